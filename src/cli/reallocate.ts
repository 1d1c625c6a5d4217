import { join } from 'node:path';
import { Command, Option } from 'commander';
import { loadConfigFile } from '../config/load.js';
import { reallocate } from '../commands/reallocate.js';
import { UsageError } from '../errors.js';
import { openRunFolder } from '../run/run-folder.js';
import { addCommonOptions, buildContext, collect, loadWithOverrides, printJson, type CommonOpts } from './common.js';

interface ReallocateOpts extends CommonOpts {
  config?: string;
  set: string[];
  seed?: string;
  name?: string;
  resume?: string;
  stopAfter?: string;
}

export function reallocateCommand(): Command {
  const cmd = new Command('reallocate')
    .description('train with Explicit Basis Reallocation (shared g-space, modality discriminator; enables --protocol substitute)')
    .option('-c, --config <file>', 'experiment YAML (its ebr section sets widths, form, λ, schedule, K)')
    .option('--set <key=value>', 'override a config key (repeatable)', collect, [])
    .option('--seed <n>', 'seed (overrides the config)')
    .option('--name <name>', 'run name (overrides the config)')
    .option('--resume <run>', 'continue an interrupted reallocate run')
    .addOption(new Option('--stop-after <epochs>', 'stop after N epochs (testing)').hideHelp());
  addCommonOptions(cmd);
  return cmd.action(async (o: ReallocateOpts) => {
    let config;
    let resume;
    if (o.resume) {
      if (o.config || o.set.length) throw new UsageError('--resume takes the config saved in the run; drop --config and --set');
      resume = openRunFolder(o.resume, o.runsDir);
      config = loadConfigFile(join(resume.dir, 'config.yaml'), { overrides: o.backend ? [`backend=${o.backend}`] : [] });
    } else {
      if (!o.config) throw new UsageError('reallocate needs --config FILE (or --resume RUN)');
      config = loadWithOverrides(o.config, o.set, { seed: o.seed, name: o.name, backend: o.backend });
    }
    if (config.ebr.train_substitution > 0 && config.train.modality_dropout > 0) throw new UsageError('ebr.train_substitution and train.modality_dropout cannot both be on (both choose which modalities a sample keeps)');
    if (config.distill.teacher) throw new UsageError('this config distills from a teacher (distill.teacher is set); EBR and KD do not combine yet');
    const ctx = await buildContext(config, o.config ?? null, o, process.argv.slice(2));
    const r = await reallocate(ctx, { resume, stopAfter: o.stopAfter !== undefined ? Number(o.stopAfter) : undefined });
    if (o.json) printJson(r);
    else {
      const s = r.summary as { test?: { accuracy: number } };
      process.stdout.write(`run ${r.run}\nstatus ${r.status}\n${s.test ? `test accuracy ${(100 * s.test.accuracy).toFixed(1)}%\n` : ''}`);
      if (r.ebr) process.stdout.write(`discriminator accuracy ${(100 * r.ebr.disc_acc).toFixed(1)}% (chance ${(100 / Object.keys(r.ebr.ranking).length).toFixed(1)}%); substitutes: ${Object.entries(r.ebr.ranking).map(([m, k]) => `${m}←${k[0]}`).join(', ')}\n`);
    }
  });
}
