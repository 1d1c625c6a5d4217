// The finished rows of a table's experiments (one reader for the headline and the missingness
// tables): each with its experiment, whose `method` labels the row; experiments not run in this
// mode, not started, or without a method label are skipped.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readSweepRows, type ReproduceProgress, type SweepRow } from '../run/records/index.js';
import { experimentsFor, type Experiment, type Mode } from './experiments.js';

export function finishedRows(progress: ReproduceProgress, mode: Mode, ids: readonly string[]): { e: Experiment & { method: NonNullable<Experiment['method']> }; r: SweepRow }[] {
  const experiments = experimentsFor(mode);
  const out: { e: Experiment & { method: NonNullable<Experiment['method']> }; r: SweepRow }[] = [];
  for (const id of ids) {
    const dir = progress.sweeps[id];
    const e = experiments.find((x) => x.id === id);
    if (!dir || !e?.method || !existsSync(join(dir, 'results.jsonl'))) continue;
    for (const r of readSweepRows(dir)) if (r.status === 'finished') out.push({ e: e as Experiment & { method: NonNullable<Experiment['method']> }, r });
  }
  return out;
}
