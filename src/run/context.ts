// What a command needs, built once by the CLI: the resolved config, backend, logger, runs dir.
// Nothing below this reads process.argv or process.env.
import type { BackendInfo } from '../backend.js';
import type { Config } from '../config/schema.js';
import type { Logger } from './logger.js';

export interface RunContext {
  config: Config;
  configPath: string | null;
  argv: string[];
  runsDir: string;
  backend: BackendInfo;
  log: Logger; // standard error only; commands add their run's log.jsonl via makeLogger
  makeLogger: (file?: string) => Logger;
  progress: boolean; // show a progress bar / per-epoch lines on standard error
  shouldStop: () => boolean; // SIGINT / SIGTERM received
  /** Register a synchronous hook for a second signal, which quits at once; returns the unregister function. */
  onAbort?: (hook: () => void) => () => void;
}
