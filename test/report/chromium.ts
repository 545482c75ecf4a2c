/**
 * @fileoverview Headless Chromium for report tests (Debian's chromium driven
 * by playwright-core): launch it, open a report, and read back what each
 * uPlot instance holds and every console error the page produced.
 */
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import type { Browser } from "playwright-core";

/** Where Debian installs chromium; tests skip with this path in the reason when it is absent. */
export const CHROMIUM = "/usr/bin/chromium";

/** Launches headless Chromium with no network side traffic. */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

/** Opens a report and reads each uPlot instance's non-null point counts, plus console errors. */
export async function renderedPlots(
  browser: Browser,
  file: string,
): Promise<{ errors: string[]; plots: { id: string; series: number[] }[] }> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector("html[data-rendered=true]", { timeout: 20_000 });
  const plots = await page.evaluate(() => {
    const w = (globalThis as unknown) as { structopsPlots: Record<string, { data: (number | null)[][] }> };
    return Object.entries(w.structopsPlots).map(([id, u]) => ({ id, series: u.data.slice(1).map((s) => s.filter((v) => v !== null).length) }));
  });
  const canvases = await page.locator("canvas").count();
  assert.equal(canvases, plots.length, "one canvas per plot");
  await page.close();
  return { errors, plots };
}
