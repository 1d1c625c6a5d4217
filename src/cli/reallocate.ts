import { VERB_SETS } from '../commands/verb-sets.js';
import { Command } from 'commander';
import { reallocate } from '../commands/reallocate.js';
import { UsageError } from '../errors.js';
import { addRunOptions, analyzeIfAsked, buildContext, printJson, runConfig, type RunOpts } from './common.js';

export function reallocateCommand(): Command {
  const cmd = new Command('reallocate').description('train with Explicit Basis Reallocation (shared g-space, modality discriminator; enables --protocol substitute)');
  addRunOptions(cmd, 'reallocate');
  return cmd.action(async (o: RunOpts) => {
    // Loaded with EBR on, as the run uses it (and saves it), so the config's EBR rules apply.
    const { config, resume, stopAfter } = runConfig(o, 'reallocate', [...VERB_SETS.reallocate]);
    if (config.distill.teacher) throw new UsageError('this config distills from a teacher (distill.teacher is set); EBR and KD do not combine yet');
    const ctx = await buildContext(config, o.config ?? null, o, process.argv.slice(2));
    const r = await reallocate(ctx, { resume, stopAfter });
    if (o.json) printJson(r);
    else {
      const s = r.summary as { test?: { accuracy: number } };
      process.stdout.write(`run ${r.run}\nstatus ${r.status}\n${s.test ? `test accuracy ${(100 * s.test.accuracy).toFixed(1)}%\n` : ''}`);
      if (r.ebr) process.stdout.write(`discriminator accuracy ${(100 * r.ebr.disc_acc).toFixed(1)}% (chance ${(100 / Object.keys(r.ebr.ranking).length).toFixed(1)}%); substitutes: ${Object.entries(r.ebr.ranking).map(([m, k]) => `${m}←${k[0]}`).join(', ')}\n`);
    }
    await analyzeIfAsked(o, r);
  });
}
