import { join } from 'node:path';
import { Command, Option } from 'commander';
import { loadConfigFile } from '../config/load.js';
import { distill } from '../commands/distill.js';
import { UsageError } from '../errors.js';
import { openRunFolder } from '../run/run-folder.js';
import { addCommonOptions, buildContext, collect, loadWithOverrides, printJson, type CommonOpts } from './common.js';

interface DistillOpts extends CommonOpts {
  config?: string;
  teacher?: string;
  studentModality?: string;
  set: string[];
  seed?: string;
  name?: string;
  resume?: string;
  stopAfter?: string;
}

export function distillCommand(): Command {
  const cmd = new Command('distill')
    .description('train with cross-modal knowledge distillation from a teacher run into the collapsed modality\'s encoder')
    .option('-c, --config <file>', 'experiment YAML (its distill section sets the loss, λ, schedule, pairs)')
    .option('--teacher <run>', 'teacher run folder (overrides distill.teacher)')
    .option('--student-modality <name>', 'the collapsed modality (default: smallest Shapley value in the teacher\'s analysis)')
    .option('--set <key=value>', 'override a config key (repeatable)', collect, [])
    .option('--seed <n>', 'seed (overrides the config)')
    .option('--name <name>', 'run name (overrides the config)')
    .option('--resume <run>', 'continue an interrupted distill run')
    .addOption(new Option('--stop-after <epochs>', 'stop after N epochs (testing)').hideHelp());
  addCommonOptions(cmd);
  return cmd.action(async (o: DistillOpts) => {
    let config;
    let resume;
    if (o.resume) {
      if (o.config || o.set.length || o.teacher || o.studentModality) throw new UsageError('--resume takes the config saved in the run; drop --config, --set, --teacher and --student-modality');
      resume = openRunFolder(o.resume, o.runsDir);
      config = loadConfigFile(join(resume.dir, 'config.yaml'), { overrides: o.backend ? [`backend=${o.backend}`] : [] });
    } else {
      if (!o.config) throw new UsageError('distill needs --config FILE (or --resume RUN)');
      const sets = [...o.set];
      if (o.teacher) sets.push(`distill.teacher=${o.teacher}`);
      if (o.studentModality) sets.push(`distill.student=${o.studentModality}`, 'distill.pairs=[]');
      config = loadWithOverrides(o.config, sets, { seed: o.seed, name: o.name, backend: o.backend });
    }
    if (!config.distill.teacher) throw new UsageError('distill needs a teacher: --teacher RUN (or distill.teacher in the config)');
    const stopAfter = o.stopAfter !== undefined ? Number(o.stopAfter) : undefined;
    const ctx = await buildContext(config, o.config ?? null, o, process.argv.slice(2));
    const r = await distill(ctx, config.distill.teacher, { resume, stopAfter });
    if (o.json) printJson(r);
    else {
      const s = r.summary as { test?: { accuracy: number } };
      process.stdout.write(`run ${r.run}\nstatus ${r.status}\npairs ${r.pairs.map((p) => `${p.from}→${p.to}`).join(', ')}\n${s.test ? `test accuracy ${(100 * s.test.accuracy).toFixed(1)}%\n` : ''}`);
    }
  });
}
