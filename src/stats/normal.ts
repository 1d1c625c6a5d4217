// The standard normal CDF, for the Wilcoxon large-sample approximation. Node has no erf, and
// the common 7-digit approximations (Abramowitz & Stegun 7.1.26) are too coarse for p-values
// that tests compare to ~1e-12; this is accurate to about 1e-15 absolute.

const SQRT_PI = Math.sqrt(Math.PI);

/** erfc(x) for x ≥ 0: a positive-term series below 3, Lentz's continued fraction above. */
function erfcNonNeg(x: number): number {
  if (x < 3) {
    // erf(x) = 2/√π · e^{−x²} · Σ_k 2^k x^{2k+1} / (1·3·…·(2k+1)); every term positive.
    let term = x;
    let sum = x;
    for (let k = 1; k < 200 && term > 1e-17 * sum; k++) {
      term *= (2 * x * x) / (2 * k + 1);
      sum += term;
    }
    return 1 - ((2 / SQRT_PI) * Math.exp(-x * x) * sum);
  }
  // erfc(x) = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))).
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const a = k / 2;
    d = x + a * d;
    d = d === 0 ? tiny : d;
    c = x + a / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / SQRT_PI / f;
}

/** P(Z ≤ z) for a standard normal Z. */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  const x = Math.abs(z) / Math.SQRT2;
  const upper = 0.5 * erfcNonNeg(x); // P(Z > |z|)
  return z >= 0 ? 1 - upper : upper;
}
