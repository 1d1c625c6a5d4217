import { Command } from 'commander';
import { train } from '../commands/train.js';
import { UsageError } from '../errors.js';
import { addRunOptions, analyzeIfAsked, buildContext, printJson, runConfig, type RunOpts } from './common.js';

export function trainCommand(): Command {
  const cmd = new Command('train').description('train a multimodal fusion model (vanilla, optionally with modality dropout)');
  addRunOptions(cmd, 'train');
  return cmd.action(async (o: RunOpts) => {
    const { config, resume, stopAfter } = runConfig(o, 'train');
    if (config.ebr.enabled) throw new UsageError(`this config uses EBR (ebr.enabled is true): run it with mmc reallocate${o.resume ? ' --resume' : ''}`);
    if (config.distill.teacher) throw new UsageError(`this config distills from a teacher (distill.teacher is set): run it with mmc distill${o.resume ? ' --resume' : ''}`);
    const ctx = await buildContext(config, o.config ?? null, o, process.argv.slice(2));
    const result = await train(ctx, { resume, stopAfter });
    if (o.json) printJson(result);
    else {
      const s = result.summary as { test?: { accuracy: number; macro_f1: number }; best_epoch?: number; samples_per_s?: number };
      process.stdout.write(`run ${result.run}\nstatus ${result.status}\n`);
      if (s.test) process.stdout.write(`best epoch ${s.best_epoch}  test accuracy ${(100 * s.test.accuracy).toFixed(1)}%  macro-F1 ${(100 * s.test.macro_f1).toFixed(1)}%  ${Math.round(s.samples_per_s ?? 0)} samples/s (${ctx.backend.name})\n`);
    }
    await analyzeIfAsked(o, result);
  });
}
