// Holm's step-down adjustment of p-values for a family of comparisons (Holm 1979): it controls the
// family-wise error rate like Bonferroni for any dependence between the tests, and rejects at least
// as much. The adjusted p of the i-th smallest of m is max over j ≤ i of min(1, (m − j + 1)·p₍ⱼ₎).

/** Holm-adjusted p-values, in the order given. NaN stays NaN and does not count towards m. */
export function holm(ps: readonly number[]): number[] {
  const order = ps.map((p, i) => [p, i] as const).filter(([p]) => !Number.isNaN(p)).sort((a, b) => a[0] - b[0]);
  const m = order.length;
  const out = ps.map(() => NaN);
  let running = 0;
  order.forEach(([p, i], rank) => {
    if (p < 0 || p > 1) throw new Error(`holm: p-values lie in [0, 1], got ${p}`);
    running = Math.max(running, Math.min(1, (m - rank) * p));
    out[i] = running;
  });
  return out;
}
