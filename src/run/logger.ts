// pino to two places: readable one-line records on standard error, JSON lines to log.jsonl.
import { openSync } from 'node:fs';
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

export function createLogger(o: LoggerOptions = {}): Logger {
  const level = o.level ?? 'info';
  const streams: pino.StreamEntry[] = [{ level: (o.quiet ? 'warn' : level) as pino.Level, stream: humanStream(o.stderr ?? process.stderr) }];
  if (o.file) streams.push({ level: 'debug', stream: pino.destination({ dest: openSync(o.file, 'a'), sync: true }) });
  return pino({ level: 'debug', base: undefined, timestamp: pino.stdTimeFunctions.isoTime }, pino.multistream(streams));
}
