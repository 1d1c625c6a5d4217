import { join } from 'node:path';
import { Command, Option } from 'commander';
import { loadConfigFile } from '../config/load.js';
import { PROTOCOLS, type EvalSplit, type Protocol } from '../config/schema.js';
import { evaluateRun, formatEvalTable } from '../commands/eval.js';
import { UsageError } from '../errors.js';
import { openRunFolder } from '../run/run-folder.js';
import type { CheckpointName } from '../run/checkpoint.js';
import { addCommonOptions, buildContext, checkpointOption, parseSeed, printJson, splitOption, type CommonOpts } from './common.js';

interface EvalOpts extends CommonOpts {
  run: string;
  missingModality?: string;
  missingRate?: string;
  protocol?: Protocol;
  split?: EvalSplit;
  checkpoint?: CheckpointName;
  seed?: string;
  name?: string;
  substituteWith?: string;
}

export function evalCommand(): Command {
  const cmd = new Command('eval')
    .description('evaluate a run, optionally with modalities missing')
    .requiredOption('--run <run>', 'run folder (path, or id under --runs-dir)')
    .option('--missing-modality <names>', 'comma-separated modalities to remove')
    .option('--missing-rate <r>', 'fraction of samples that lose them (default 1)')
    .addOption(new Option('--protocol <p>', 'what replaces a missing modality (default: the config\'s eval.protocol)').choices([...PROTOCOLS]))
    .addOption(splitOption('evaluate'))
    .addOption(checkpointOption())
    .option('--seed <n>', 'seed choosing which samples lose the modality (default: the run\'s seed)')
    .option('--name <name>', 'name of eval/<name>.json')
    .option('--substitute-with <modality>', 'substitute protocol: always substitute from this modality (compare substitutes)');
  addCommonOptions(cmd);
  return cmd.action(async (o: EvalOpts) => {
    const run = openRunFolder(o.run, o.runsDir);
    const config = loadConfigFile(join(run.dir, 'config.yaml'), { overrides: o.backend ? [`backend=${o.backend}`] : [] });
    const missing = o.missingModality ? o.missingModality.split(',').map((s) => s.trim()).filter(Boolean) : [];
    let rate = 1;
    if (o.missingRate !== undefined) {
      rate = Number(o.missingRate);
      if (!(rate >= 0 && rate <= 1)) throw new UsageError(`--missing-rate ${o.missingRate}: expected a number from 0 to 1`);
      if (!missing.length) throw new UsageError('--missing-rate needs --missing-modality');
    }
    if (o.substituteWith && (o.protocol ?? config.eval.protocol) !== 'substitute') throw new UsageError('--substitute-with needs --protocol substitute');
    if (o.name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/.test(o.name)) throw new UsageError(`--name ${o.name}: use letters, digits, _, ., + or -`);
    const ctx = await buildContext(config, null, { ...o, progress: false }, process.argv.slice(2));
    const result = await evaluateRun(ctx, {
      run,
      missing,
      rate,
      protocol: o.protocol ?? config.eval.protocol,
      split: o.split ?? config.eval.split,
      checkpoint: o.checkpoint ?? config.train.select,
      seed: o.seed !== undefined ? parseSeed(o.seed) : config.seed,
      name: o.name,
      substituteWith: o.substituteWith,
    });
    if (o.json) printJson(result);
    else process.stdout.write(formatEvalTable(result) + '\n');
  });
}
