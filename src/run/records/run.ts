// run.json: a run's identity and lifecycle, rewritten (atomically) at each change of status.
import { readRecord, type Shape } from './read.js';

export type RunStatus = 'running' | 'finished' | 'failed' | 'interrupted';

export interface RunJson {
  id: string;
  command: string;
  argv: string[];
  status: RunStatus;
  started: string;
  ended: string | null;
  config_hash: string;
  parent: string | null; // the run this one resumed or derived from
  teacher: string | null; // teacher run id (distill)
  teacher_config_hash?: string;
  error?: string;
  resumed?: string[]; // times the run was resumed
  pid?: number; // the process that runs (or last ran) it…
  host?: string; // …on this host
  pid_start?: string | null; // that process's start time (Linux /proc), so a reused pid is not taken for it
}

const RUN: Shape = { name: 'a run record', keys: { status: 'string' }, hint: 'is this a run folder?' };

export const readRunJson = (file: string): RunJson => readRecord<RunJson>(file, RUN);
