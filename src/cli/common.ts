// Options shared by the verbs, and the RunContext they build.
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { selectBackend } from '../backend.js';
import { loadConfigFile } from '../config/load.js';
import { BACKENDS, type Config } from '../config/schema.js';
import { UsageError } from '../errors.js';
import type { RunContext } from '../run/context.js';
import { createLogger } from '../run/logger.js';

export interface CommonOpts {
  runsDir: string;
  backend?: string;
  json?: boolean;
  quiet?: boolean;
  logLevel: string;
  progress: boolean;
}

export function addCommonOptions(cmd: Command): Command {
  return cmd
    .option('--runs-dir <dir>', 'where run folders live', 'runs')
    .addOption(new Option('--backend <name>', 'tfjs backend (overrides the config)').choices([...BACKENDS]))
    .option('--json', 'print the result as JSON on standard out')
    .option('-q, --quiet', 'only warnings and errors on standard error')
    .addOption(new Option('--log-level <level>', 'log level on standard error').choices(['debug', 'info', 'warn', 'error']).default('info'))
    .option('--no-progress', 'no progress bar or per-epoch lines');
}

export const collect = (v: string, prev: string[]) => [...prev, v];

export function parseSeed(v: string): number {
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new UsageError(`--seed ${v}: expected a non-negative integer`);
  return Number(v);
}

/** --config FILE plus --set/--seed/--name/--backend, all applied as overrides so errors name them. */
export function loadWithOverrides(file: string, sets: string[], extra: { seed?: string; name?: string; backend?: string }): Config {
  const overrides = [...sets];
  if (extra.seed !== undefined) overrides.push(`seed=${parseSeed(extra.seed)}`);
  if (extra.name !== undefined) overrides.push(`name=${extra.name}`);
  if (extra.backend !== undefined) overrides.push(`backend=${extra.backend}`);
  return loadConfigFile(file, { overrides });
}

let stopRequested = false;
let handlersInstalled = false;

/** First SIGINT/SIGTERM: finish the epoch, save, mark the run interrupted. Second: exit now. */
function installSignalHandlers(log: { warn: (msg: string) => void }): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopRequested) process.exit(130);
    stopRequested = true;
    log.warn(`${sig}: stopping after this epoch (its checkpoint is saved); send again to quit at once`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

export async function buildContext(config: Config, configPath: string | null, o: CommonOpts, argv: string[]): Promise<RunContext> {
  const backend = await selectBackend(config.backend);
  const logOpts = { level: o.logLevel, quiet: o.quiet };
  const log = createLogger(logOpts);
  installSignalHandlers(log);
  return {
    config,
    configPath,
    argv,
    runsDir: resolve(o.runsDir),
    backend,
    log,
    makeLogger: (file?: string) => createLogger({ ...logOpts, file }),
    progress: o.progress && !o.quiet,
    shouldStop: () => stopRequested,
  };
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
