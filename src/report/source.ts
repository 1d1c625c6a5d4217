// What `mmc report` reads, read-only: sweep folders (sweep.json, results.jsonl) and run folders
// (through src/export/source.ts), and the provenance labels every table and figure carries.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { loadConfigFile } from '../config/load.js';
import { configHash } from '../commands/data-and-model.js';
import type { SweepRow, SweepSpec } from '../commands/sweep.js';
import { UsageError } from '../errors.js';
import { readExportRun, type ExportRun } from '../export/source.js';
import { readJsonl } from '../run/atomic.js';

export type ReportTarget = { kind: 'run'; dir: string; run: ExportRun } | { kind: 'sweep'; dir: string; spec: SweepSpec; rows: SweepRow[]; runs: Map<string, ExportRun> };

/** Each argument is a run folder (run.json) or a sweep folder (sweep.json), as a path or a name under runsDir. */
export function resolveTargets(refs: string[], runsDir: string): ReportTarget[] {
  return refs.map((ref) => {
    for (const c of [resolve(ref), resolve(runsDir, ref)]) {
      if (existsSync(join(c, 'sweep.json'))) return readSweep(c);
      if (existsSync(join(c, 'run.json'))) return { kind: 'run' as const, dir: c, run: readExportRun(c) };
    }
    throw new UsageError(`not a run or sweep folder: ${ref} (no run.json or sweep.json in ${resolve(ref)}${resolve(ref) === resolve(runsDir, ref) ? '' : ` or ${resolve(runsDir, ref)}`})`);
  });
}

/** A sweep's rows as writeSweepTables would keep them (latest line per job, job order), without writing anything. */
function readSweep(dir: string): ReportTarget {
  const spec = JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as SweepSpec;
  const latest = new Map<string, SweepRow>();
  for (const r of readJsonl<SweepRow>(join(dir, 'results.jsonl'))) latest.set(r.job, r);
  const rows = spec.jobs.map((j) => latest.get(j.id)).filter((r): r is SweepRow => !!r);
  const runs = new Map<string, ExportRun>();
  for (const r of rows) {
    if (!r.run) continue;
    const d = runDir(dir, r.run);
    if (d) runs.set(r.job, readExportRun(d));
  }
  return { kind: 'sweep', dir, spec, rows, runs };
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

export function runCommand(r: ExportRun): string {
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

export function backendOf(r: ExportRun | undefined): string {
  const env = r?.env as { backend?: { name?: string; package?: string }; versions?: Record<string, string> } | null | undefined;
  if (!env?.backend?.name) return 'unknown (no env.json)';
  const pkg = env.backend.package;
  const ver = pkg ? env.versions?.[pkg.replace('@tensorflow/', '')] : undefined;
  return `${env.backend.name}${pkg ? ` (${pkg}${ver ? ` ${ver}` : ''})` : ''}`;
}

export function backendsOf(runs: Iterable<ExportRun>): string {
  const set = new Set([...runs].map(backendOf));
  return set.size ? [...set].join('; ') : 'unknown (no runs)';
}

/** The eval/*.json files of a run, analysis.json apart. */
export function evalFiles(dir: string): { name: string; data: Record<string, unknown> }[] {
  const d = join(dir, 'eval');
  if (!existsSync(d)) return [];
  return readdirSync(d)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: f, data: JSON.parse(readFileSync(join(d, f), 'utf8')) as Record<string, unknown> }));
}
