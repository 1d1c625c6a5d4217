// One table cell of the reproduction's tables (one definition for the headline and the missingness
// tables): mean ± sample std [95% bootstrap CI of the mean]; against vanilla, the mean paired
// difference Δ with its bootstrap CI, the exact Wilcoxon p and the Holm-adjusted p.
import { bootstrapCI, describe, type PairedTest } from '../stats/index.js';

export const pct = (v: number) => (100 * v).toFixed(1);

export function statCell(xs: number[], o: { scale: (v: number) => string; test?: PairedTest; holmP?: number }): string {
  if (!xs.length) return '—';
  const d = describe(xs);
  const ci = bootstrapCI(xs, { seed: 0 });
  const s = o.scale;
  const sign = (v: number) => (v >= 0 ? '+' : '') + s(v);
  const t = o.test;
  const vs = t && t.pairs > 0 ? `; Δ ${sign(t.meanDiff)} [${sign(t.diffCI[0])}, ${sign(t.diffCI[1])}], p=${t.p.toPrecision(2)}, Holm ${o.holmP!.toPrecision(2)}` : '';
  return `${s(d.mean)} ± ${s(d.std)} [${s(ci.lo)}, ${s(ci.hi)}]${vs}`;
}
