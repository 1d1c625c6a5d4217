// runs/<YYYYmmdd-HHMMSS>-<command>-<name>-<hash>/ and the files inside it.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { writeJsonAtomic } from './atomic.js';

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
}

export class RunFolder {
  constructor(readonly dir: string) {}

  get id(): string {
    return this.dir.split(/[\\/]/).filter(Boolean).at(-1)!;
  }
  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }
  readRun(): RunJson {
    const file = this.path('run.json');
    let r: unknown;
    try {
      r = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UsageError(`${file}: ${code ? `cannot read (${code})` : `not valid JSON (${(e as Error).message.split('\n')[0]})`}; is this a run folder?`);
    }
    if (r === null || typeof r !== 'object' || typeof (r as RunJson).status !== 'string') throw new UsageError(`${file}: not a run record (no "status")`);
    return r as RunJson;
  }
  writeRun(r: RunJson): void {
    writeJsonAtomic(this.path('run.json'), r);
  }
  updateRun(patch: Partial<RunJson>): RunJson {
    const r = { ...this.readRun(), ...patch };
    this.writeRun(r);
    return r;
  }
}

/** YYYYmmdd-HHMMSS, the prefix of run and sweep folder names. */
export function stamp(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/** Create a fresh run folder. mkdir without `recursive` fails if the name exists, so concurrent runs never share one. */
export function createRunFolder(runsDir: string, command: string, name: string, configHash: string): RunFolder {
  try {
    mkdirSync(runsDir, { recursive: true });
  } catch (e) {
    throw new UsageError(`cannot create runs directory ${runsDir}: ${(e as NodeJS.ErrnoException).code}`);
  }
  for (let attempt = 0; attempt < 20; attempt++) {
    const h = createHash('sha256').update(configHash).update(randomBytes(8)).digest('hex').slice(0, 6);
    const dir = resolve(runsDir, `${stamp(new Date())}-${command}-${name}-${h}`);
    try {
      mkdirSync(dir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      throw new UsageError(`cannot create run folder in ${runsDir}: ${code}`);
    }
    mkdirSync(join(dir, 'checkpoints'));
    mkdirSync(join(dir, 'eval'));
    return new RunFolder(dir);
  }
  throw new Error(`could not find a free run folder name in ${runsDir}`);
}

/** An existing run folder given as a path, or as an id under runsDir. */
export function openRunFolder(ref: string, runsDir: string): RunFolder {
  const candidates = [...new Set([resolve(ref), resolve(runsDir, ref)])];
  for (const c of candidates) {
    if (existsSync(join(c, 'run.json')) && statSync(c).isDirectory()) return new RunFolder(c);
  }
  throw new UsageError(`run not found: ${ref} (looked for ${candidates.map((c) => join(c, 'run.json')).join(' and ')})`);
}
