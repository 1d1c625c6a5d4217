// Crash-safe writes: a temporary name in the same directory, fsync, then rename over the target.
import { closeSync, fsyncSync, openSync, renameSync, writeSync, rmSync, existsSync, readFileSync, truncateSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { asIoError } from '../errors.js';

/** Write and fsync (not atomic by itself: callers write under a temporary name first). */
export function writeSynced(path: string, data: string | Uint8Array): void {
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeSynced(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    // A full disk or a refused write leaves neither a torn target nor a stray temporary file.
    rmSync(tmp, { force: true });
    throw asIoError(e, path);
  }
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}

/** Append one JSON record as a single write of one whole line. */
export function appendJsonl(path: string, record: unknown): void {
  let fd: number;
  try {
    fd = openSync(path, 'a');
  } catch (e) {
    throw asIoError(e, path);
  }
  try {
    const line = Buffer.from(JSON.stringify(record) + '\n');
    const n = writeSync(fd, line);
    if (n !== line.length) throw Object.assign(new Error(`short write to ${path}`), { code: 'ENOSPC' });
    fsyncSync(fd);
  } catch (e) {
    throw asIoError(e, path);
  } finally {
    closeSync(fd);
  }
}

/** Parse a JSONL file; a torn last line (a crash mid-append) is dropped, not an error. */
export function readJsonl<T = Record<string, unknown>>(path: string): T[] {
  if (!existsSync(path)) return [];
  const lines = readFileSync(path, 'utf8').split('\n');
  const out: T[] = [];
  for (const line of lines) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      break;
    }
  }
  return out;
}

/** Rewrite a JSONL file to keep only the records `keep` accepts (used when resuming). */
export function filterJsonl<T>(path: string, keep: (r: T) => boolean): T[] {
  const kept = readJsonl<T>(path).filter(keep);
  if (existsSync(path)) {
    if (kept.length === 0) truncateSync(path, 0);
    else writeFileAtomic(path, kept.map((r) => JSON.stringify(r)).join('\n') + '\n');
  }
  return kept;
}
