// SVG figures through vega-lite → vega, rendered headless (no browser, no canvas).
import type * as VegaLite from 'vega-lite';

// vega and vega-lite take ~0.6 s to load: imported on first draw, so that the verbs that draw
// nothing (every sweep job's train and analyze) do not pay for them at start-up.
let renderers: Promise<[typeof import('vega'), typeof import('vega-lite')]> | undefined;
const loadRenderers = () => (renderers ??= Promise.all([import('vega'), import('vega-lite')]));

export interface BandPoint {
  x: number;
  mean: number;
  std: number;
  n: number;
}

export interface BandSeries {
  name: string;
  points: BandPoint[];
}

export interface BandChart {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  series: BandSeries[];
  logX?: boolean;
}

/** Mean line with a ±1 std band per series. */
export async function bandChartSvg(c: BandChart): Promise<string> {
  const values = c.series.flatMap((s) => s.points.map((p) => ({ series: s.name, x: p.x, mean: p.mean, lo: p.mean - p.std, hi: p.mean + p.std, n: p.n })));
  const x = { field: 'x', type: 'quantitative', title: c.xLabel, scale: c.logX ? { type: 'log' } : { zero: false } };
  const color = { field: 'series', type: 'nominal', title: null };
  return layeredSvg(c, {
    height: 260,
    values,
    legendLabelLimit: 400,
    layer: [
      { mark: { type: 'area', opacity: 0.2 }, encoding: { x, y: { field: 'lo', type: 'quantitative', title: c.yLabel, scale: { zero: false } }, y2: { field: 'hi' }, color } },
      { mark: { type: 'line', point: true }, encoding: { x, y: { field: 'mean', type: 'quantitative', title: c.yLabel }, color } },
    ],
  });
}

/** The figures' common frame: titled, 420 wide, the given layers over `values`. */
export function layeredSvg(c: { title: string; subtitle?: string }, o: { height: number; values: unknown[]; legendLabelLimit: number; layer: unknown[] }): Promise<string> {
  return specToSvg({
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: c.subtitle ? { text: c.title, subtitle: c.subtitle } : c.title,
    width: 420,
    height: o.height,
    data: { values: o.values },
    config: { legend: { labelLimit: o.legendLabelLimit } },
    layer: o.layer,
  });
}

/** A vega-lite spec rendered headless to an SVG string. */
export async function specToSvg(spec: unknown): Promise<string> {
  const [vega, vl] = await loadRenderers();
  const compiled = vl.compile(spec as VegaLite.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}
