/**
 * @fileoverview The sweep's comparison report as a user sees it, in
 * headless Chromium (test/report/chromium.ts): a small real sweep, then in
 * the page every heatmap cell holds a value and links to a point report that
 * exists, the throughput-versus-delay plot draws points for every series,
 * and the page logs no error.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { main } from "../../src/cli/main.js";
import { memoryIo } from "../../src/cli/io.js";
import { CHROMIUM, launchChromium } from "../report/chromium.js";
import { sweepDir } from "./tiny.js";

interface Seen {
  maps: { metric: string; cells: { cls: string; text: string; href: string }[] }[];
  algorithms: string[];
  series: number[];
  ranking: number;
}

/** Reads, in the page, each heatmap's cells, the algorithms, the plot's non-null points per series and the ranking's rows. */
const READ_SCRIPT = `(() => ({
  maps: [...document.querySelectorAll("table.heatmap")].map((m) => ({
    metric: m.getAttribute("data-metric"),
    cells: [...m.querySelectorAll("td")].map((c) => ({ cls: c.className, text: c.textContent, href: c.querySelector("a") ? c.querySelector("a").href : "" })),
  })),
  algorithms: [...document.querySelectorAll("h3[id^=alg-]")].map((h) => h.textContent),
  series: Object.values(window.structopsPlots).flatMap((u) => u.data.slice(1).map((s) => s.filter((v) => v !== null).length)),
  ranking: document.querySelectorAll("table.ranking tbody tr").length,
}))()`;

test("every heatmap cell has a value and a link to an existing point report; the scatter plot draws every series", async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is not installed (apt-get install chromium): the report was not rendered`);
    return;
  }
  const dir = sweepDir();
  const io = memoryIo();
  assert.equal(await main(["sweep", join(dir, "sweep.yaml"), "--out", join(dir, "out"), "--jobs", "2"], io), 0, io.err());
  const file = join(dir, "out", "report.html");
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector("html[data-rendered=true]", { timeout: 20_000 });
    const seen = (await page.evaluate(READ_SCRIPT)) as Seen;
    assert.deepEqual(errors, []);
    assert.deepEqual(seen.algorithms, ["reno", "cubic"]);
    assert.equal(seen.ranking, 2);
    // Eight metrics per algorithm, one row (rate is the only plain axis) of two cells each.
    assert.equal(seen.maps.length, 16);
    for (const m of seen.maps) {
      assert.equal(m.cells.length, 2, `${m.metric}`);
      for (const c of m.cells) {
        assert.ok(c.cls.startsWith("cell") && !c.cls.includes("none"), `${m.metric}: an empty cell`);
        assert.match(c.text, /^(-?\d[\d.e+-]*\*?|never)$/, `${m.metric}: ${c.text}`);
        assert.ok(existsSync(fileURLToPath(c.href)), `${m.metric}: ${c.href} does not exist`);
        assert.match(c.href, /\/points\/[0-9a-f]{16}\/report\.html$/);
      }
    }
    assert.equal(seen.series.length, 4, "each run and the mean over seeds, per algorithm");
    assert.ok(seen.series.every((n) => n > 0), `a series without points: ${seen.series.join(",")}`);
    await page.close();
  } finally {
    await browser.close();
    rmSync(dirname(file), { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});
