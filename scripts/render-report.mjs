#!/usr/bin/env node
// Render an mmc report with headless Chromium and check its figures are laid out:
//   node scripts/render-report.mjs REPORT.html [OUT.png]
// Prints the figure count, how many have a non-zero size, their summed area and the PNG's size;
// exits 1 when a figure is missing or empty, 2 on bad usage or when Chromium is absent.
// Needs the build (npm run build) and Chromium (Debian: apt-get install -y chromium).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [html, png] = process.argv.slice(2);
if (!html || !existsSync(html)) {
  console.error('usage: node scripts/render-report.mjs REPORT.html [OUT.png]');
  process.exit(2);
}
const { renderCheck, findChromium } = await import(fileURLToPath(new URL('../dist/src/report/render.js', import.meta.url)));
if (!findChromium()) {
  console.error('render-report: no Chromium (apt-get install -y chromium, or set MMC_CHROMIUM)');
  process.exit(2);
}
const r = renderCheck(html, png);
console.log(`chromium ${r.chromium}`);
console.log(`figures ${r.figures} (${r.visible} with non-zero size), svg elements in DOM ${r.svgElements}, total figure area ${r.area} px²`);
if (r.screenshot) console.log(`screenshot ${r.screenshot} (${r.screenshotBytes} bytes)`);
process.exit(r.figures > 0 && r.visible === r.figures && r.area > 0 && (!png || r.screenshotBytes > 0) ? 0 : 1);
