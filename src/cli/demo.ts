import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { UsageError } from '../errors.js';
import { demo, formatDemo } from '../commands/demo.js';
import { addCommonOptions, buildContext, collect, loadWithOverrides, printJson, type CommonOpts } from './common.js';

const DEFAULT_CONFIG = fileURLToPath(new URL('../../../configs/avmnist-mini/vanilla.yaml', import.meta.url));

interface DemoOpts extends CommonOpts {
  config: string;
  set: string[];
  seed?: string;
  dropout: string;
}

export function demoCommand(): Command {
  const cmd = new Command('demo')
    .description('the collapse demo: vanilla fusion vs unimodal models, each modality missing (npm start)')
    .option('-c, --config <file>', 'experiment YAML', DEFAULT_CONFIG)
    .option('--set <key=value>', 'override a config key (repeatable)', collect, [])
    .option('--seed <n>', 'seed (overrides the config)')
    .option('--dropout <p>', 'modality-dropout probability of the baseline row (0: no such row)', '0.3');
  addCommonOptions(cmd);
  return cmd.action(async (o: DemoOpts) => {
    const config = loadWithOverrides(o.config, o.set, { seed: o.seed, backend: o.backend });
    const ctx = await buildContext(config, o.config, o, process.argv.slice(2));
    const dropout = Number(o.dropout);
    if (!(dropout >= 0 && dropout < 1)) throw new UsageError(`--dropout ${o.dropout}: expected a probability in [0, 1)`);
    const r = await demo(ctx, { dropout });
    if (o.json) printJson(r);
    else process.stdout.write(formatDemo(r) + '\n');
  });
}
