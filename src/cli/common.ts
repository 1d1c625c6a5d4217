// Options shared by the verbs, and the RunContext they build.
import { join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { selectBackend } from '../backend.js';
import { loadConfigFile } from '../config/load.js';
import { BACKENDS, EVAL_SPLITS, type Config } from '../config/schema.js';
import { UsageError } from '../errors.js';
import type { RunContext } from '../run/context.js';
import { CHECKPOINTS } from '../run/checkpoint.js';
import { openRunFolder, type RunFolder } from '../run/run-folder.js';
import { createLogger } from '../run/logger.js';
import { analyzeOptions, analyzeRun } from '../commands/analyze.js';

export interface CommonOpts {
  runsDir: string;
  backend?: string;
  threads?: string;
  json?: boolean;
  quiet?: boolean;
  logLevel: string;
  progress: boolean;
}

/** --backend NAME, one of the config's backends. */
export const backendOption = (help = 'tfjs backend (overrides the config)') => new Option('--backend <name>', help).choices([...BACKENDS]);
/** --threads N: BLAS threads of the native backend for one run (sweeps use processes: --workers). */
export const threadsOption = () => new Option('--threads <n>', 'BLAS threads for the native backend (default 1; for a sweep use --workers)');

/** The --threads value: a whole number 1–256, or 1 when absent. */
export function parseThreads(v: string | undefined): number {
  if (v === undefined) return 1;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 256) throw new UsageError(`--threads ${v}: expected a whole number from 1 to 256`);
  return Number(v);
}

/** --split for the verbs that read a run (default: the config's eval.split). */
export const splitOption = (verb: string) => new Option('--split <split>', `split to ${verb} (default: the config's eval.split)`).choices([...EVAL_SPLITS]);
/** --checkpoint best|last for the verbs that read a run (default: the config's train.select). */
export const checkpointOption = () => new Option('--checkpoint <which>', "checkpoint to load (default: the config's train.select)").choices([...CHECKPOINTS]);

/** -q on every verb (test/cli.test.ts checks each): only warnings and errors on standard error. */
export const quietOption = () => new Option('-q, --quiet', 'only warnings and errors on standard error');

export function addCommonOptions(cmd: Command): Command {
  return cmd
    .option('--runs-dir <dir>', 'where run folders live', 'runs')
    .addOption(backendOption())
    .addOption(threadsOption())
    .option('--json', 'print the result as JSON on standard out')
    .addOption(quietOption())
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

/** Whether a SIGINT/SIGTERM has asked this process to stop (a job worker then takes no further job). */
export const stopWasRequested = (): boolean => stopRequested;
const abortHooks = new Set<() => void>();

/**
 * Run `hook` (synchronously) if a second signal makes the process quit at once, e.g. to mark the
 * run interrupted and release its lock. Returns the unregister function. Signal handlers run between
 * synchronous stretches of code, and every file write of a run is synchronous (write, fsync, rename),
 * so quitting here never leaves a torn file.
 */
export function onAbort(hook: () => void): () => void {
  abortHooks.add(hook);
  return () => abortHooks.delete(hook);
}

/** First SIGINT/SIGTERM: finish the epoch, save, mark the run interrupted. Second: mark it interrupted and exit now. */
function installSignalHandlers(log: { warn: (msg: string) => void }): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopRequested) {
      for (const hook of abortHooks) {
        try {
          hook();
        } catch (e) {
          process.stderr.write(`mmc: while quitting: ${(e as Error).message}\n`);
        }
      }
      process.stderr.write(`mmc: ${sig} again: quit at once; the run is interrupted at its last checkpoint\n`);
      process.exit(130);
    }
    stopRequested = true;
    log.warn(`${sig}: stopping after this epoch (its checkpoint is saved); send again to quit at once`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

export async function buildContext(config: Config, configPath: string | null, o: CommonOpts, argv: string[]): Promise<RunContext> {
  const backend = await selectBackend(config.backend, { threads: parseThreads(o.threads) });
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
    onAbort,
  };
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Options of the verbs that start or resume a run (train, distill, reallocate). */
export interface RunOpts extends CommonOpts {
  config?: string;
  set: string[];
  seed?: string;
  name?: string;
  resume?: string;
  stopAfter?: string;
  analyze?: boolean;
}

export function addRunOptions(cmd: Command, verb: string): Command {
  cmd
    .option('-c, --config <file>', 'experiment YAML')
    .option('--set <key=value>', 'override a config key (repeatable), e.g. --set train.epochs=5', collect, [])
    .option('--seed <n>', 'seed (overrides the config)')
    .option('--name <name>', 'run name (overrides the config)')
    .option('--resume <run>', `continue an interrupted ${verb} run from its last checkpoint`)
    .addOption(new Option('--stop-after <epochs>', 'stop after N epochs of this session, as if interrupted (testing)').hideHelp())
    .option('--analyze', 'once the run has finished, analyse it in this process as `mmc analyze --run RUN` would (eval/analysis.json)');
  return addCommonOptions(cmd);
}

/**
 * --analyze: the finished run's analysis with `mmc analyze`'s defaults, in this process, after the run's
 * result has been printed (so a failure here still leaves the run named). It saves a sweep job a second
 * process start and, through dataFor's cache, a second dataset load; the backend is the one the run used.
 */
export async function analyzeIfAsked(o: RunOpts, result: { run: string; status: string }): Promise<void> {
  if (!o.analyze || result.status !== 'finished') return;
  const run = openRunFolder(result.run, o.runsDir);
  const config = loadConfigFile(join(run.dir, 'config.yaml'), { overrides: o.backend ? [`backend=${o.backend}`] : [] });
  const a = await analyzeRun(config, run, analyzeOptions(config));
  if (!o.json) process.stdout.write(`analysis ${a.file}\n`);
}

/** The run's config: from --resume's saved config.yaml, or --config with overrides. */
export function runConfig(o: RunOpts, verb: string, extraSets: string[] = [], resumeForbids: string[] = []): { config: Config; resume?: RunFolder; stopAfter?: number } {
  let stopAfter: number | undefined;
  if (o.stopAfter !== undefined) {
    stopAfter = Number(o.stopAfter);
    if (!Number.isInteger(stopAfter) || stopAfter < 1) throw new UsageError(`--stop-after ${o.stopAfter}: expected a positive integer`);
  }
  if (o.resume) {
    if (o.config || o.set.length || o.seed !== undefined || o.name !== undefined || resumeForbids.length) {
      throw new UsageError(`--resume takes the config saved in the run; drop --config, --set, --seed, --name${resumeForbids.length ? ', ' + resumeForbids.join(', ') : ''}`);
    }
    const resume = openRunFolder(o.resume, o.runsDir);
    return { config: loadConfigFile(join(resume.dir, 'config.yaml'), { overrides: o.backend ? [`backend=${o.backend}`] : [] }), resume, stopAfter };
  }
  if (!o.config) throw new UsageError(`${verb} needs --config FILE (or --resume RUN)`);
  return { config: loadWithOverrides(o.config, [...o.set, ...extraSets], { seed: o.seed, name: o.name, backend: o.backend }), stopAfter };
}
