// Config overrides a verb always applies (one definition: the verb's CLI, sweep validation and the
// registry tests use it). `mmc reallocate` is training with EBR on.
export const VERB_SETS: Record<'train' | 'distill' | 'reallocate', readonly string[]> = {
  train: [],
  distill: [],
  reallocate: ['ebr.enabled=true'],
};
