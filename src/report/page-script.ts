/**
 * @fileoverview The browser side of the report: a small script, inlined in
 * the page after uPlot, that reads the embedded JSON data and draws one uPlot
 * chart per plot. The run's actions are dashed vertical lines in the plot
 * area and their labels sit in a band above it (`.marker-band`, one row per
 * label that would collide), so no label covers data. Series of one group
 * differ by dash pattern as well as colour, so two flows with identical
 * traces stay visible. Without hovering, the legend shows each series'
 * summary value (the statistic named in the time column); hovering shows the
 * value under the cursor. The uPlot instances are on `window.structopsPlots`
 * (by plot id) so tests and curious users can inspect them from a console.
 * Plain ES2017, no modules.
 */

/** Colours of the series, in order (tests look for these pixels). */
export const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"] as const;

/** Dash patterns (CSS px) of the 2nd, 3rd... series of one group; the first is solid. */
export const DASHES: readonly (readonly number[])[] = [[], [7, 3], [2, 2], [10, 3, 2, 3], [4, 4]];

/** The script text (no `<script>` tags). */
export const PAGE_SCRIPT = String.raw`
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("structops-data").textContent);
  var palette = ${JSON.stringify(PALETTE)};
  var dashes = ${JSON.stringify(DASHES)};
  var ROW = 15;
  var plots = {};
  window.structopsPlots = plots;

  // The dashed vertical lines, drawn in the plot area under the series.
  function markerLines(list) {
    return {
      hooks: {
        drawClear: [function (u) {
          var ctx = u.ctx, r = uPlot.pxRatio, top = u.bbox.top, h = u.bbox.height;
          ctx.save();
          ctx.lineWidth = r;
          for (var i = 0; i < list.length; i++) {
            var m = list[i];
            var x = Math.round(u.valToPos(m.t, "x", true));
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
            ctx.strokeStyle = m.color;
            ctx.setLineDash([5 * r, 4 * r]);
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, top + h);
            ctx.stroke();
          }
          ctx.restore();
        }],
      },
    };
  }

  // The labels, as elements in a band between the title and the plot area: greedy rows, left to right.
  function placeLabels(u, band, list) {
    band.textContent = "";
    var left = u.over.offsetLeft, width = u.over.clientWidth, rowsEnd = [];
    var order = list.map(function (m, i) { return i; }).sort(function (a, b) { return list[a].t - list[b].t || a - b; });
    order.forEach(function (i) {
      var m = list[i];
      var x = u.valToPos(m.t, "x");
      if (!(x >= 0 && x <= width)) return;
      var el = document.createElement("span");
      el.className = "marker-label";
      el.textContent = m.label;
      el.title = m.label;
      el.style.color = m.color;
      el.style.borderLeftColor = m.color;
      band.appendChild(el);
      var w = el.offsetWidth;
      var at = Math.min(left + x, left + width - w);
      at = Math.max(0, at);
      var row = 0;
      while (row < rowsEnd.length && rowsEnd[row] > at - 4) row++;
      rowsEnd[row] = at + w;
      el.style.left = at + "px";
      el.style.top = row * ROW + "px";
    });
    band.style.height = Math.max(1, rowsEnd.length) * ROW + 2 + "px";
  }

  function width(el) {
    return Math.max(320, Math.min(1100, el.clientWidth || 900));
  }

  function fmt(v, d) {
    return v == null ? "no data" : v.toFixed(d);
  }

  data.plots.forEach(function (p) {
    var el = document.getElementById("plot-" + p.id);
    var series = [{
      label: "time (s)",
      value: function (u, v, si, di) { return di == null ? p.statistic : fmt(v, 2); },
    }];
    var cols = [p.x];
    p.series.forEach(function (s, i) {
      series.push({
        label: s.label,
        stroke: palette[i % palette.length],
        dash: dashes[s.dash % dashes.length],
        width: 1.5,
        spanGaps: false,
        points: { show: false },
        value: function (u, v, si, di) { return di == null ? fmt(s.summary, p.digits) : fmt(v, p.digits); },
      });
      cols.push(s.values);
    });
    var band = null;
    var opts = {
      title: p.title,
      width: width(el),
      height: 280,
      scales: { x: { time: false, range: [0, data.durationS] } },
      axes: [{ label: "time (s)" }, { label: p.yLabel, size: 60 }],
      series: series,
      legend: { live: true },
      plugins: [markerLines(data.markers)],
      hooks: {
        ready: [function (u) {
          band = document.createElement("div");
          band.className = "marker-band";
          u.root.insertBefore(band, u.root.querySelector(".u-wrap"));
          placeLabels(u, band, data.markers);
        }],
        setSize: [function (u) {
          if (band !== null) placeLabels(u, band, data.markers);
        }],
      },
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
