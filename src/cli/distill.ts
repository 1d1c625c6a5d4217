import { Command } from 'commander';
import { distill } from '../commands/distill.js';
import { UsageError } from '../errors.js';
import { addRunOptions, analyzeIfAsked, buildContext, printJson, runConfig, type RunOpts } from './common.js';

interface DistillOpts extends RunOpts {
  teacher?: string;
  studentModality?: string;
}

export function distillCommand(): Command {
  const cmd = new Command('distill')
    .description('train with cross-modal knowledge distillation from a teacher run into the collapsed modality\'s encoder')
    .option('--teacher <run>', 'teacher run folder (overrides distill.teacher)')
    .option('--student-modality <name>', 'the collapsed modality (default: smallest Shapley value in the teacher\'s analysis)');
  addRunOptions(cmd, 'distill');
  return cmd.action(async (o: DistillOpts) => {
    const sets: string[] = [];
    if (o.teacher) sets.push(`distill.teacher=${o.teacher}`);
    if (o.studentModality) sets.push(`distill.student=${o.studentModality}`, 'distill.pairs=[]');
    const forbidden = [...(o.teacher ? ['--teacher'] : []), ...(o.studentModality ? ['--student-modality'] : [])];
    const { config, resume, stopAfter } = runConfig(o, 'distill', sets, forbidden);
    if (!config.distill.teacher) throw new UsageError('distill needs a teacher: --teacher RUN (or distill.teacher in the config)');
    const ctx = await buildContext(config, o.config ?? null, o, process.argv.slice(2));
    const r = await distill(ctx, config.distill.teacher, { resume, stopAfter });
    if (o.json) printJson(r);
    else {
      const s = r.summary as { test?: { accuracy: number } };
      process.stdout.write(`run ${r.run}\nstatus ${r.status}\npairs ${r.pairs.map((p) => `${p.from}→${p.to}`).join(', ')}\n${s.test ? `test accuracy ${(100 * s.test.accuracy).toFixed(1)}%\n` : ''}`);
    }
    await analyzeIfAsked(o, r);
  });
}
