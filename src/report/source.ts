// What `mmc report` reads, read-only: sweep and run folders (through the records reader of
// src/run/records), and the provenance labels every table and figure carries.
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { configHash } from '../config/hash.js';
import { loadConfigFile } from '../config/load.js';
import { DIAGNOSIS_FILE, latestRows, locateFolders, readDiagnosis, type Diagnosis, readRunRecords, readSweepRecords, type RunRecords, type SweepRow, type SweepSpec } from '../run/records/index.js';
import type { NativeInfo } from '../native/addon.js';

export type ReportTarget =
  | { kind: 'run'; dir: string; run: RunRecords }
  | { kind: 'sweep'; dir: string; spec: SweepSpec; rows: SweepRow[]; runs: Map<string, RunRecords> }
  | { kind: 'diagnosis'; dir: string; diagnosis: Diagnosis };

/** Each argument is a run folder (run.json), a sweep folder (sweep.json), as a path or a name under runsDir, or a diagnosis folder (diagnosis.json, mmc diagnose --out). */
export function resolveTargets(refs: string[], runsDir: string): ReportTarget[] {
  return refs.map((ref): ReportTarget => {
    const file = join(resolve(ref), DIAGNOSIS_FILE);
    if (!existsSync(join(resolve(ref), 'run.json')) && existsSync(file)) return { kind: 'diagnosis', dir: resolve(ref), diagnosis: readDiagnosis(file) };
    const f = locateFolders([ref], runsDir)[0];
    return f.kind === 'sweep' ? readSweep(f.dir) : { kind: 'run', dir: f.dir, run: readRunRecords(f.dir) };
  });
}

/** A sweep's rows as its tables keep them (latest line per job, job order), without writing anything. */
function readSweep(dir: string): ReportTarget {
  const s = readSweepRecords(dir);
  const rows = latestRows(s.spec, s.rows);
  const runs = new Map<string, RunRecords>();
  for (const r of rows) {
    if (!r.run) continue;
    const d = runDir(dir, r.run);
    if (d) runs.set(r.job, readRunRecords(d));
  }
  return { kind: 'sweep', dir, spec: s.spec, rows, runs };
}

/** A row's run folder: the recorded path, or the same name under the sweep's runs/ (a moved sweep). */
export function runDir(sweepDir: string, run: string): string | null {
  for (const c of [run, join(sweepDir, 'runs', basename(run))]) if (existsSync(join(c, 'run.json'))) return c;
  return null;
}

/** A command line as one copyable string: arguments with spaces or shell characters single-quoted. */
export function shellJoin(args: string[]): string {
  return args.map((a) => (/^[\w@%+=:,./[\]-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

export function runCommand(r: RunRecords): string {
  return r.run.argv?.length ? `mmc ${shellJoin(r.run.argv)}` : `mmc ${r.run.command} (argv not recorded)`;
}

/** sweep.json's argv when recorded (mmc ≥ this version), else the equivalent command rebuilt from the spec. */
export function sweepCommand(dir: string, spec: SweepSpec): { command: string; recorded: boolean } {
  if (spec.argv?.length) return { command: `mmc ${shellJoin(spec.argv)}`, recorded: true };
  const a = ['sweep', '--config', join(dir, spec.config)];
  if (spec.command !== 'train') a.push('--command', spec.command);
  if (spec.teacher_config) a.push('--teacher-config', join(dir, spec.teacher_config), ...(spec.teacher_sets ?? []).flatMap((s) => ['--teacher-set', s]));
  for (const g of spec.grid) a.push('--grid', `${g.key}=${g.values.join(',')}`);
  for (const s of spec.sets) a.push('--set', s);
  a.push('--seeds', String(spec.seeds), '--name', spec.name);
  if (!spec.analyze) a.push('--no-analyze');
  if (!spec.vary_data_seed) a.push('--no-vary-data');
  return { command: `mmc ${shellJoin(a)}`, recorded: false };
}

/** configHash of the sweep's base config with its --set overrides (each job adds its grid values and seed). */
export function sweepBaseHash(dir: string, spec: SweepSpec): string | null {
  try {
    return configHash(loadConfigFile(join(dir, spec.config), { overrides: spec.sets }));
  } catch {
    return null;
  }
}

export function backendOf(r: RunRecords | undefined): string {
  const env = r?.env as { backend?: { name?: string; package?: string; native?: NativeInfo }; versions?: Record<string, string> } | null | undefined;
  if (!env?.backend?.name) return 'unknown (no env.json)';
  const nat = env.backend.native;
  if (nat) {
    const lib = (nat.blas_config ?? 'BLAS').split(' ').slice(0, 2).join(' '); // "OpenBLAS 0.3.21"
    return `${env.backend.name} (${lib}, ${nat.blas_core ?? 'unknown'} kernels, ${nat.threads} thread${nat.threads === 1 ? '' : 's'})`;
  }
  const pkg = env.backend.package;
  const ver = pkg ? env.versions?.[pkg.replace('@tensorflow/', '')] : undefined;
  return `${env.backend.name}${pkg ? ` (${pkg}${ver ? ` ${ver}` : ''})` : ''}`;
}

export function backendsOf(runs: Iterable<RunRecords>): string {
  const set = new Set([...runs].map(backendOf));
  return set.size ? [...set].join('; ') : 'unknown (no runs)';
}
