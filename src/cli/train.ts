import { join } from 'node:path';
import { Command, Option } from 'commander';
import { loadConfigFile } from '../config/load.js';
import { train } from '../commands/train.js';
import { UsageError } from '../errors.js';
import { openRunFolder } from '../run/run-folder.js';
import { addCommonOptions, buildContext, collect, loadWithOverrides, printJson, type CommonOpts } from './common.js';

interface TrainOpts extends CommonOpts {
  config?: string;
  set: string[];
  seed?: string;
  name?: string;
  resume?: string;
  stopAfter?: string;
}

export function trainCommand(): Command {
  const cmd = new Command('train')
    .description('train a multimodal fusion model (vanilla, optionally with modality dropout)')
    .option('-c, --config <file>', 'experiment YAML')
    .option('--set <key=value>', 'override a config key (repeatable), e.g. --set train.epochs=5', collect, [])
    .option('--seed <n>', 'seed (overrides the config)')
    .option('--name <name>', 'run name (overrides the config)')
    .option('--resume <run>', 'continue an interrupted run from its last checkpoint')
    .addOption(new Option('--stop-after <epochs>', 'stop after N epochs of this session, as if interrupted (testing)').hideHelp());
  addCommonOptions(cmd);
  return cmd.action(async (o: TrainOpts) => {
    let ctxConfig;
    let runFolder;
    if (o.resume) {
      if (o.config || o.set.length || o.seed !== undefined || o.name !== undefined) throw new UsageError('--resume takes the config saved in the run; drop --config, --set, --seed and --name');
      runFolder = openRunFolder(o.resume, o.runsDir);
      ctxConfig = loadConfigFile(join(runFolder.dir, 'config.yaml'), { overrides: o.backend ? [`backend=${o.backend}`] : [] });
    } else {
      if (!o.config) throw new UsageError('train needs --config FILE (or --resume RUN)');
      ctxConfig = loadWithOverrides(o.config, o.set, { seed: o.seed, name: o.name, backend: o.backend });
    }
    if (ctxConfig.ebr.enabled) throw new UsageError(`this config uses EBR (ebr.enabled is true): run it with mmc reallocate${o.resume ? ' --resume' : ''}`);
    if (ctxConfig.distill.teacher) throw new UsageError(`this config distills from a teacher (distill.teacher is set): run it with mmc distill${o.resume ? ' --resume' : ''}`);
    let stopAfter: number | undefined;
    if (o.stopAfter !== undefined) {
      stopAfter = Number(o.stopAfter);
      if (!Number.isInteger(stopAfter) || stopAfter < 1) throw new UsageError(`--stop-after ${o.stopAfter}: expected a positive integer`);
    }
    const ctx = await buildContext(ctxConfig, o.config ?? null, o, process.argv.slice(2));
    const result = await train(ctx, { resume: runFolder, stopAfter });
    if (o.json) printJson(result);
    else {
      const s = result.summary as { test?: { accuracy: number; macro_f1: number }; best_epoch?: number; samples_per_s?: number };
      process.stdout.write(`run ${result.run}\nstatus ${result.status}\n`);
      if (s.test) process.stdout.write(`best epoch ${s.best_epoch}  test accuracy ${(100 * s.test.accuracy).toFixed(1)}%  macro-F1 ${(100 * s.test.macro_f1).toFixed(1)}%  ${Math.round(s.samples_per_s ?? 0)} samples/s (${ctx.backend.name})\n`);
    }
  });
}
