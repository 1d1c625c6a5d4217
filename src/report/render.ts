// Rendering check for report.html with Debian's headless Chromium: --dump-dom gives the DOM after
// the page's probe script has measured every inline figure (src/report/doc.ts writes the count and
// the summed on-screen area onto <body>), --screenshot gives a PNG.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

export function findChromium(): string | null {
  const env = process.env.MMC_CHROMIUM;
  if (env && existsSync(env)) return env;
  return CHROMIUM_CANDIDATES.find((p) => existsSync(p)) ?? null;
}

export interface RenderCheck {
  chromium: string;
  /** <figure class="mmc-figure"> <svg> elements in the rendered DOM. */
  figures: number;
  /** Of those, how many have a non-zero bounding box. */
  visible: number;
  /** Sum of their bounding-box areas in CSS pixels. */
  area: number;
  /** <svg> elements anywhere in the dumped DOM. */
  svgElements: number;
  screenshot: string | null;
  screenshotBytes: number;
}

function chromium(bin: string, args: string[], userDir: string, timeoutMs: number) {
  const r = spawnSync(bin, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--hide-scrollbars', '--no-first-run', '--no-default-browser-check', `--user-data-dir=${userDir}`, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw new Error(`${bin}: ${r.error.message}`);
  return r;
}

/** Render `html` headless; with `png`, also screenshot it there (window width × height pixels). */
export function renderCheck(html: string, png?: string, o: { width?: number; height?: number; timeoutMs?: number } = {}): RenderCheck {
  const bin = findChromium();
  if (!bin) throw new Error(`no Chromium found (looked for ${CHROMIUM_CANDIDATES.join(', ')}; set MMC_CHROMIUM); on Debian: apt-get install -y chromium`);
  const url = pathToFileURL(resolve(html)).href;
  const userDir = mkdtempSync(join(tmpdir(), 'mmc-chromium-'));
  const timeout = o.timeoutMs ?? 90_000;
  const size = `--window-size=${o.width ?? 1280},${o.height ?? 4000}`;
  try {
    const dom = chromium(bin, ['--dump-dom', '--virtual-time-budget=5000', size, url], userDir, timeout);
    if (dom.status !== 0 || !dom.stdout.includes('<body')) throw new Error(`chromium --dump-dom exited ${dom.status}: ${dom.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    const body = /<body([^>]*)>/.exec(dom.stdout)?.[1] ?? '';
    const attr = (name: string) => {
      const m = new RegExp(`${name}="([^"]*)"`).exec(body);
      return m ? Number(m[1]) : NaN;
    };
    const result: RenderCheck = {
      chromium: bin,
      figures: attr('data-figures'),
      visible: attr('data-figures-visible'),
      area: attr('data-figure-area'),
      svgElements: (dom.stdout.match(/<svg[\s>]/g) ?? []).length,
      screenshot: null,
      screenshotBytes: 0,
    };
    if (png) {
      const out = resolve(png);
      rmSync(out, { force: true });
      const shot = chromium(bin, [`--screenshot=${out}`, size, url], userDir, timeout);
      if (!existsSync(out)) throw new Error(`chromium --screenshot exited ${shot.status} without writing ${out}: ${shot.stderr.trim().split('\n').slice(-3).join(' | ')}`);
      result.screenshot = out;
      result.screenshotBytes = statSync(out).size;
    }
    return result;
  } finally {
    rmSync(userDir, { recursive: true, force: true });
  }
}
