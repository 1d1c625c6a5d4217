// A plain verdict per modality from its exact Shapley value (docs/diagnose.md states the thresholds).
// Shares are of the gain over nothing present: by efficiency the Shapley values sum to
// acc(all) − acc(none), so share_m = φ_m / that gain, and a model that uses M modalities evenly gives
// each 1/M.
export type Verdict = 'collapsed' | 'used' | 'dominant' | 'undetermined';

/** collapsed: share below COLLAPSED × 1/M; dominant: above DOMINANT × 1/M (and at least 0.5); undetermined: the model gains under MIN_GAIN over nothing present. */
export const VERDICT_THRESHOLDS = { collapsed: 0.2, dominant: 1.5, minGain: 0.02 } as const;

export interface ModalityVerdict {
  verdict: Verdict;
  share: number; // φ_m / (acc(all) − acc(none)); NaN when undetermined
}

export function verdicts(shapley: Record<string, number>, allPresent: number, nonePresent: number): Record<string, ModalityVerdict> {
  const names = Object.keys(shapley);
  const gain = allPresent - nonePresent;
  const uniform = 1 / names.length;
  const out: Record<string, ModalityVerdict> = {};
  for (const m of names) {
    if (!(gain >= VERDICT_THRESHOLDS.minGain)) {
      out[m] = { verdict: 'undetermined', share: NaN };
      continue;
    }
    const share = shapley[m] / gain;
    const verdict: Verdict = share < VERDICT_THRESHOLDS.collapsed * uniform ? 'collapsed' : names.length > 1 && share > Math.max(0.5, VERDICT_THRESHOLDS.dominant * uniform) ? 'dominant' : 'used';
    out[m] = { verdict, share };
  }
  return out;
}
