// runs/<YYYYmmdd-HHMMSS>-<command>-<name>-<hash>/ and the files inside it.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { writeJsonAtomic } from './atomic.js';
// records/run.js, not the index: the index's folder reader imports this module.
import { readRunJson, type RunJson, type RunStatus } from './records/run.js';

/** A process's start time (clock ticks since boot, /proc/PID/stat field 22); null where /proc is missing. */
export function processStart(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** Whether process `pid` on `host` is alive: false only when it is surely gone (same host, no such process, or its pid reused). */
export function processAlive(pid: number, host: string | undefined, start?: string | null): boolean {
  if (host !== undefined && host !== hostname()) return true; // cannot tell: assume alive
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  if (start) {
    const now = processStart(pid);
    if (now !== null && now !== start) return false; // the pid now belongs to another process
  }
  return true;
}

/** The status to show: a `running` run whose process is gone (SIGKILL, power loss) was interrupted. */
export function effectiveStatus(r: Pick<RunJson, 'status' | 'pid' | 'host' | 'pid_start'>): RunStatus {
  if (r.status === 'running' && typeof r.pid === 'number' && !processAlive(r.pid, r.host, r.pid_start)) return 'interrupted';
  return r.status;
}

/** This process, as recorded in run.json and in the lock file. */
export function selfProcess(): { pid: number; host: string; pid_start: string | null } {
  return { pid: process.pid, host: hostname(), pid_start: processStart(process.pid) };
}

interface LockInfo {
  pid: number;
  host: string;
  pid_start?: string | null;
  since?: string;
}

const readLock = (path: string): LockInfo | null => {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
  } catch {
    return null; // absent, or torn by a crash between create and write (then it is stale)
  }
};

const lockAgeMs = (path: string): number => {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return Infinity;
  }
};
const sleepMs = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Create `path` exclusively with our pid; false if it exists. */
function createExclusive(path: string, info: LockInfo): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, JSON.stringify(info) + '\n');
  } finally {
    closeSync(fd);
  }
  return true;
}

export class RunLockedError extends UsageError {
  constructor(
    readonly runId: string,
    readonly holder: LockInfo,
  ) {
    super(`run ${runId} is in use by process ${holder.pid}${holder.host !== hostname() ? ` on host ${holder.host}` : ''}${holder.since ? ` (since ${holder.since})` : ''}; wait for it to end or stop it first`);
    this.name = 'RunLockedError';
  }
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
    return readRunJson(this.path('run.json'));
  }
  writeRun(r: RunJson): void {
    writeJsonAtomic(this.path('run.json'), r);
  }
  updateRun(patch: Partial<RunJson>): RunJson {
    const r = { ...this.readRun(), ...patch };
    this.writeRun(r);
    return r;
  }
  /** run.json's status, with a `running` run whose process is gone shown as `interrupted`. */
  status(): RunStatus {
    return effectiveStatus(this.readRun());
  }

  /**
   * Take the run's lock: `lock` created exclusively, holding our pid. A lock whose process is gone is
   * stale and taken over (under a short-lived `lock.takeover` guard, so two takers never both win).
   * Throws RunLockedError (exit 2) while the holder is alive. Returns the release function.
   */
  lock(): () => void {
    const path = this.path('lock');
    const me = { ...selfProcess(), since: new Date().toISOString() };
    const release = () => {
      const cur = readLock(path);
      if (cur && cur.pid === me.pid && cur.host === me.host) rmSync(path, { force: true });
    };
    for (let attempt = 0; attempt < 50; attempt++) {
      if (createExclusive(path, me)) return release;
      const holder = readLock(path);
      if (!holder && lockAgeMs(path) < 2000) {
        sleepMs(50); // just created by a process that has not written its pid yet
        continue;
      }
      if (holder && processAlive(holder.pid, holder.host, holder.pid_start)) throw new RunLockedError(this.id, holder);
      // Stale (or torn) lock: take it over under the guard.
      const guard = this.path('lock.takeover');
      if (!createExclusive(guard, me)) {
        const g = readLock(guard);
        if (!g || !processAlive(g.pid, g.host, g.pid_start)) {
          // A taker died holding the guard: move it aside (rename is atomic; only one mover wins).
          try {
            renameSync(guard, `${guard}.stale-${me.pid}`);
            rmSync(`${guard}.stale-${me.pid}`, { force: true });
          } catch {
            /* someone else moved it */
          }
        }
        continue;
      }
      try {
        const again = readLock(path);
        if (!again || (again.pid === holder?.pid && again.host === holder?.host && !processAlive(again.pid, again.host, again.pid_start))) rmSync(path, { force: true });
        if (createExclusive(path, me)) return release;
      } finally {
        rmSync(guard, { force: true });
      }
    }
    throw new UsageError(`run ${this.id}: could not take its lock (${path})`);
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
