// Attribution of fusion-head neurons to sources (modalities, or a modality's predictive and noise
// parts), and the polysemanticity measures built on it.
//
// attribution a[h][s] = mean over samples of |activation of neuron h with everything present −
// activation with source s removed|; share[h][s] = a[h][s] / Σ_s a[h][s].
// A source holds a *large share* of neuron h when share ≥ κ / S (S sources, κ = 0.5 by default):
// relative to the uniform share 1/S, so the measure compares across numbers of modalities.
// Neurons whose total attribution is ~0 (dead, or constant) are left out and counted.

export interface ShareMatrix {
  sources: string[];
  shares: number[][]; // live neurons × sources
  live: number[]; // indices of live neurons
  dead: number;
}

/** Per-neuron shares from base activations and activations with each source removed (n × h each). */
export function attributionShares(base: ArrayLike<number>, removed: Record<string, ArrayLike<number>>, n: number, h: number, eps = 1e-6): ShareMatrix {
  const sources = Object.keys(removed);
  const att = sources.map((s) => {
    const r = removed[s];
    const a = new Float64Array(h);
    for (let i = 0; i < n; i++) for (let j = 0; j < h; j++) a[j] += Math.abs(base[i * h + j] - r[i * h + j]);
    return a.map((x) => x / n);
  });
  const shares: number[][] = [];
  const live: number[] = [];
  let dead = 0;
  for (let j = 0; j < h; j++) {
    const total = att.reduce((t, a) => t + a[j], 0);
    if (total <= eps) {
      dead++;
      continue;
    }
    live.push(j);
    shares.push(att.map((a) => a[j] / total));
  }
  return { sources, shares, live, dead };
}

export interface Polysemanticity {
  kappa: number;
  threshold: number; // κ / S
  live_neurons: number;
  dead_neurons: number;
  cross_modal_fraction: number; // live neurons where ≥ 2 sources hold a large share
  mean_normalised_entropy: number; // mean over live neurons of H(shares) / log S
  entropy_histogram: { edges: number[]; counts: number[] };
  mean_shares: Record<string, number>;
}

export function polysemanticity(m: ShareMatrix, kappa = 0.5, bins = 10): Polysemanticity {
  const S = m.sources.length;
  const threshold = kappa / S;
  let cross = 0;
  let entSum = 0;
  const counts = new Array<number>(bins).fill(0);
  for (const sh of m.shares) {
    if (sh.filter((x) => x >= threshold).length >= 2) cross++;
    let hEnt = 0;
    for (const p of sh) if (p > 0) hEnt -= p * Math.log(p);
    const ne = S > 1 ? hEnt / Math.log(S) : 0;
    entSum += ne;
    counts[Math.min(bins - 1, Math.floor(ne * bins))]++;
  }
  const live = m.shares.length;
  const mean_shares: Record<string, number> = {};
  m.sources.forEach((s, k) => (mean_shares[s] = live ? m.shares.reduce((t, sh) => t + sh[k], 0) / live : NaN));
  return {
    kappa,
    threshold,
    live_neurons: live,
    dead_neurons: m.dead,
    cross_modal_fraction: live ? cross / live : NaN,
    mean_normalised_entropy: live ? entSum / live : NaN,
    entropy_histogram: { edges: Array.from({ length: bins + 1 }, (_, i) => i / bins), counts },
    mean_shares,
  };
}

/**
 * Noise–predictive cross-modal collisions: sources are "<modality>:predictive" and
 * "<modality>:noise"; a neuron collides when it holds a large share (≥ κ / S) of the noise of one
 * modality and of the predictive part of another.
 */
export function collisionFraction(m: ShareMatrix, kappa = 0.5): { fraction: number; threshold: number; live_neurons: number } {
  const S = m.sources.length;
  const threshold = kappa / S;
  const parsed = m.sources.map((s) => {
    const [mod, part] = s.split(':');
    return { mod, part };
  });
  let collide = 0;
  for (const sh of m.shares) {
    const noiseMods = new Set<string>();
    const predMods = new Set<string>();
    sh.forEach((p, k) => {
      if (p < threshold) return;
      (parsed[k].part === 'noise' ? noiseMods : predMods).add(parsed[k].mod);
    });
    let hit = false;
    for (const a of noiseMods) for (const b of predMods) if (a !== b) hit = true;
    if (hit) collide++;
  }
  return { fraction: m.shares.length ? collide / m.shares.length : NaN, threshold, live_neurons: m.shares.length };
}
