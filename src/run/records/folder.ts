// The one reader of run and sweep folders for everything that looks back at them (mmc export,
// mmc report): each record parsed and checked once, here.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { UsageError } from '../../errors.js';
import { effectiveStatus } from '../run-folder.js';
import { readEnv, type EnvJson } from './env.js';
import { checked, parseFile, readRecordLines, type Shape } from './read.js';
import { readRunJson, type RunJson } from './run.js';
import { readSummary, type RunSummary } from './summary.js';
import { readSweepRows, readSweepSpec, type SweepRow, type SweepSpec } from './sweep.js';

/** One line of metrics.jsonl: an epoch's record (core/fit.ts EpochRecord, plus EBR's extras). */
export type MetricsLine = Record<string, unknown>;

export interface RunRecords {
  dir: string; // absolute path of the run folder
  id: string; // mmc run id (the folder name)
  run: RunJson; // status as effectiveStatus sees it
  config: Record<string, unknown> | null; // config.yaml, plain YAML: runs of older versions still read
  summary: RunSummary | null; // finished runs only
  env: EnvJson | null;
  metrics: MetricsLine[];
}

export interface SweepRecords {
  dir: string;
  spec: SweepSpec;
  rows: SweepRow[]; // every results.jsonl line
}

const METRICS: Shape = { name: 'a metrics line', keys: {} };
const CONFIG: Shape = { name: 'a config', keys: {} };

export const readMetrics = (runDir: string): MetricsLine[] => readRecordLines<MetricsLine>(join(runDir, 'metrics.jsonl'), METRICS);

function readConfigYaml(file: string): Record<string, unknown> | null {
  if (!existsSync(file)) return null;
  const v = parseFile(file, parseYaml, 'YAML');
  return v === null ? null : checked<Record<string, unknown>>(v, CONFIG, file);
}

export function readRunRecords(dir: string): RunRecords {
  const run = readRunJson(join(dir, 'run.json'));
  return {
    dir,
    id: run.id ?? dir.split(/[\\/]/).filter(Boolean).at(-1)!,
    // A run killed while `running` (its process is gone) is shown as interrupted.
    run: { ...run, status: effectiveStatus(run) },
    config: readConfigYaml(join(dir, 'config.yaml')),
    summary: readSummary(join(dir, 'summary.json')),
    env: readEnv(join(dir, 'env.json')),
    metrics: readMetrics(dir),
  };
}

export const readSweepRecords = (dir: string): SweepRecords => ({ dir, spec: readSweepSpec(dir), rows: readSweepRows(dir) });

/** Each ref is a run folder (run.json) or a sweep folder (sweep.json), as a path or as a name under runsDir. */
export function locateFolders(refs: string[], runsDir: string): { kind: 'run' | 'sweep'; dir: string }[] {
  return refs.map((ref) => {
    for (const c of [resolve(ref), resolve(runsDir, ref)]) {
      if (existsSync(join(c, 'run.json'))) return { kind: 'run' as const, dir: c };
      if (existsSync(join(c, 'sweep.json'))) return { kind: 'sweep' as const, dir: c };
    }
    throw new UsageError(`not a run or sweep folder: ${ref} (no run.json or sweep.json in ${resolve(ref)}${resolve(ref) === resolve(runsDir, ref) ? '' : ` or ${resolve(runsDir, ref)}`})`);
  });
}
