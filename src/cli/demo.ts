import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { demo, formatDemo } from '../commands/demo.js';
import { addCommonOptions, buildContext, collect, loadWithOverrides, printJson, type CommonOpts } from './common.js';

const DEFAULT_CONFIG = fileURLToPath(new URL('../../../configs/synthetic/collapse.yaml', import.meta.url));

interface DemoOpts extends CommonOpts {
  config: string;
  set: string[];
  seed?: string;
}

export function demoCommand(): Command {
  const cmd = new Command('demo')
    .description('the collapse demo: vanilla fusion vs unimodal models, each modality missing (npm start)')
    .option('-c, --config <file>', 'experiment YAML', DEFAULT_CONFIG)
    .option('--set <key=value>', 'override a config key (repeatable)', collect, [])
    .option('--seed <n>', 'seed (overrides the config)');
  addCommonOptions(cmd);
  return cmd.action(async (o: DemoOpts) => {
    const config = loadWithOverrides(o.config, o.set, { seed: o.seed, backend: o.backend });
    const ctx = await buildContext(config, o.config, o, process.argv.slice(2));
    const r = await demo(ctx);
    if (o.json) printJson(r);
    else process.stdout.write(formatDemo(r) + '\n');
  });
}
