// pino to two places: readable one-line records on standard error, JSON lines to log.jsonl.
import { closeSync, openSync } from 'node:fs';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';

export type { Logger };

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** Formats pino's JSON lines as `mmc info  message key=value` for people reading the terminal. */
function humanStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk, _enc, cb) {
      for (const line of String(chunk).split('\n')) {
        if (!line) continue;
        try {
          const { level, msg, time: _t, pid: _p, hostname: _h, ...rest } = JSON.parse(line);
          const extras = Object.entries(rest)
            .map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`)
            .join(' ');
          out.write(`mmc ${(LEVELS[level] ?? level).padEnd(5)} ${msg ?? ''}${extras ? ' ' + extras : ''}\n`);
        } catch {
          out.write(line + '\n');
        }
      }
      cb();
    },
  });
}

export interface LoggerOptions {
  level?: string;
  file?: string; // log.jsonl path
  stderr?: NodeJS.WritableStream;
  quiet?: boolean; // nothing below warn on standard error
}

/** Each logger's log file descriptor, for closeLogFile. */
const logFiles = new WeakMap<Logger, number>();

export function createLogger(o: LoggerOptions = {}): Logger {
  const level = o.level ?? 'info';
  const streams: pino.StreamEntry[] = [{ level: (o.quiet ? 'warn' : level) as pino.Level, stream: humanStream(o.stderr ?? process.stderr) }];
  const fd = o.file ? openSync(o.file, 'a') : null;
  if (fd !== null) streams.push({ level: 'debug', stream: pino.destination({ dest: fd, sync: true }) });
  const log = pino({ level: 'debug', base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.multistream(streams));
  if (fd !== null) logFiles.set(log, fd);
  return log;
}

/**
 * Closes a logger's log file (writes are synchronous, so nothing is pending); the logger must not
 * write again. A process that runs many jobs (a sweep's job worker) would otherwise keep one open
 * file per run.
 */
export function closeLogFile(log: Logger): void {
  const fd = logFiles.get(log);
  if (fd === undefined) return;
  logFiles.delete(log);
  closeSync(fd);
}
