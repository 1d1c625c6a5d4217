// Grouped bar charts with ±std error bars (vega-lite → SVG, headless like bandChartSvg).
import { layeredSvg } from './plot.js';

export interface Bar {
  category: string; // x axis group (e.g. a grid point)
  series: string; // bar within the group (e.g. a modality)
  mean: number;
  std: number;
  n: number;
}

export interface BarChart {
  title: string;
  subtitle?: string;
  xLabel: string;
  yLabel: string;
  bars: Bar[];
}

/** Mean bars, one group per category and one bar per series, with a ±1 std rule. */
export async function barChartSvg(c: BarChart): Promise<string> {
  const values = c.bars.map((b) => ({ ...b, lo: b.mean - b.std, hi: b.mean + b.std }));
  const x = { field: 'category', type: 'nominal', title: c.xLabel, sort: null, axis: { labelAngle: -25, labelLimit: 220 } };
  const xOffset = { field: 'series', type: 'nominal', sort: null };
  return layeredSvg(c, {
    height: 240,
    values,
    legendLabelLimit: 300,
    layer: [
      { mark: { type: 'bar', opacity: 0.85 }, encoding: { x, xOffset, y: { field: 'mean', type: 'quantitative', title: c.yLabel }, color: { field: 'series', type: 'nominal', title: null, sort: null } } },
      { mark: { type: 'rule', color: '#222' }, encoding: { x, xOffset, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
    ],
  });
}
