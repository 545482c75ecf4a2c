/**
 * @fileoverview The browser side of the report: a small script, inlined in
 * the page after uPlot, that reads the embedded JSON data and draws one uPlot
 * chart per plot with the run's actions as dashed vertical markers. It puts
 * the uPlot instances on `window.structopsPlots` (by plot id) so tests and
 * curious users can inspect them from a console. Plain ES2017, no modules.
 */

/** The script text (no `<script>` tags). */
export const PAGE_SCRIPT = String.raw`
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("structops-data").textContent);
  var palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];
  var plots = {};
  window.structopsPlots = plots;

  function markers(list) {
    return {
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx, r = uPlot.pxRatio, top = u.bbox.top, h = u.bbox.height;
          ctx.save();
          ctx.font = (11 * r) + "px sans-serif";
          ctx.lineWidth = r;
          ctx.textAlign = "left";
          ctx.textBaseline = "alphabetic";
          for (var i = 0; i < list.length; i++) {
            var m = list[i];
            var x = Math.round(u.valToPos(m.t, "x", true));
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
            ctx.strokeStyle = m.color;
            ctx.fillStyle = m.color;
            ctx.setLineDash([5 * r, 4 * r]);
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, top + h);
            ctx.stroke();
            ctx.fillText(m.label, x + 4 * r, top + (12 + 13 * (i % 3)) * r);
          }
          ctx.restore();
        }],
      },
    };
  }

  function width(el) {
    return Math.max(320, Math.min(1100, el.clientWidth || 900));
  }

  data.plots.forEach(function (p) {
    var el = document.getElementById("plot-" + p.id);
    var series = [{ label: "time (s)" }];
    var cols = [p.x];
    p.series.forEach(function (s, i) {
      series.push({ label: s.label, stroke: palette[i % palette.length], width: 1.25, spanGaps: false, points: { show: false } });
      cols.push(s.values);
    });
    var opts = {
      title: p.title,
      width: width(el),
      height: 280,
      scales: { x: { time: false, range: [0, data.durationS] } },
      axes: [{ label: "time (s)" }, { label: p.yLabel, size: 60 }],
      series: series,
      legend: { live: true },
      plugins: [markers(data.markers)],
    };
    plots[p.id] = new uPlot(opts, cols, el);
  });

  window.addEventListener("resize", function () {
    Object.keys(plots).forEach(function (id) {
      var u = plots[id];
      u.setSize({ width: width(document.getElementById("plot-" + id)), height: 280 });
    });
  });
  document.documentElement.setAttribute("data-rendered", "true");
})();
`;
