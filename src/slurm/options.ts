// What a Slurm sweep asks of the cluster: the config's `slurm:` section, then the command line's
// flags on top, validated by the one schema (config/schema.ts) so a flag and a key fail alike.
import { z } from 'zod';
import { slurmSchema } from '../config/schema.js';
import { UsageError } from '../errors.js';

export type SlurmOptions = z.infer<typeof slurmSchema>;

/** The command-line flags that set a key (the flag's name, for messages). */
export const SLURM_FLAGS: Record<keyof SlurmOptions, string> = {
  partition: '--partition',
  account: '--account',
  time: '--time',
  cpus_per_task: '--cpus-per-task',
  mem: '--mem',
  parallelism: '--array-parallelism',
  signal_seconds: '--signal-seconds',
  sbatch: '--sbatch',
  setup: '--setup',
};

/** Flags as given (strings; repeatable ones as arrays), undefined where not given. */
export type SlurmFlags = Partial<Record<keyof SlurmOptions, string | string[]>>;

const NUMERIC = new Set<keyof SlurmOptions>(['cpus_per_task', 'parallelism', 'signal_seconds']);

export function slurmOptions(fromConfig: Partial<SlurmOptions> | undefined, flags: SlurmFlags): SlurmOptions {
  const merged: Record<string, unknown> = { ...(fromConfig ?? {}) };
  for (const [key, v] of Object.entries(flags) as [keyof SlurmOptions, string | string[] | undefined][]) {
    if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
    merged[key] = key === 'sbatch' ? [...((fromConfig?.sbatch as string[] | undefined) ?? []), ...(v as string[])] : NUMERIC.has(key) ? Number(v) : v;
  }
  const r = slurmSchema.safeParse(merged);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  if (issue.code === 'unrecognized_keys') throw new UsageError(`slurm.${issue.keys[0]}: unknown key (known: ${Object.keys(SLURM_FLAGS).join(', ')})`);
  const key = issue.path[0] as keyof SlurmOptions;
  const given = flags[key] !== undefined ? `${SLURM_FLAGS[key]} ${JSON.stringify(flags[key])}` : `slurm.${issue.path.join('.')}`;
  throw new UsageError(`${given}: ${issue.message}`);
}
