import { Command } from 'commander';
import type { BackendChoice } from '../config/schema.js';
import { loadConfigFile } from '../config/load.js';
import { selectBackend } from '../backend.js';
import { datasetFromArg, datasetInfo, formatInfo, listDatasets, verifyEmbedded, verifyFolder, type VerifyLine } from '../commands/data.js';
import { loadDataset } from '../data/registry.js';
import { UsageError } from '../errors.js';
import { backendOption, collect, printJson, quietOption } from './common.js';

interface InfoOpts {
  config?: string;
  set: string[];
  json?: boolean;
  backend: BackendChoice;
}

export function dataCommand(): Command {
  const data = new Command('data').description('list datasets, show what one holds, verify checksums');
  data
    .command('list')
    .description('the dataset kinds mmc knows')
    .option('--json', 'print JSON')
    .addOption(quietOption())
    .action((o: { json?: boolean }) => {
      const rows = listDatasets();
      if (o.json) return printJson(rows);
      for (const r of rows) console.log(`${r.name.padEnd(13)} ${r.embedded ? 'embedded ' : 'your files'}  ${r.describe}`);
    });
  data
    .command('info')
    .description('shapes, class balance, missingness and value ranges of a dataset')
    .argument('[dataset]', 'avmnist-mini, or a folder (manifest.yaml, or MultiBench avmnist .npy files)')
    .option('--config <file>', "the dataset of an experiment config (its dataset section, with --set applied)")
    .option('--set <key=value>', 'override a config key (repeatable)', collect, [])
    .addOption(backendOption('tfjs backend for the loaders that compute (avmnist-mini PCA)').default('auto'))
    .option('--json', 'print JSON')
    .addOption(quietOption())
    .action(async (arg: string | undefined, o: InfoOpts) => {
      const cfg = o.config ? loadConfigFile(o.config, { overrides: o.set }).dataset : arg ? datasetFromArg(arg) : null;
      if (!cfg) throw new UsageError('say which dataset: mmc data info avmnist-mini | PATH | --config FILE');
      await selectBackend(o.backend);
      const info = datasetInfo(cfg);
      if (o.json) printJson(info);
      else console.log(formatInfo(info));
    });
  data
    .command('verify')
    .description('check the checksums of the embedded data (default) or of a dataset folder, and that it loads')
    .argument('[dataset]', 'avmnist-mini (default) or a dataset folder')
    .addOption(backendOption('tfjs backend for the full load').default('auto'))
    .option('--json', 'print JSON')
    .addOption(quietOption())
    .action(async (arg: string | undefined, o: { json?: boolean; backend: BackendChoice }) => {
      const target = arg ?? 'avmnist-mini';
      const lines: VerifyLine[] = target === 'avmnist-mini' ? verifyEmbedded() : verifyFolder(target);
      const bad = lines.filter((l) => !l.ok);
      if (bad.length === 0) {
        // Checksums agree: now the whole load (shapes, labels, finite values) must pass too.
        await selectBackend(o.backend);
        loadDataset(datasetFromArg(target));
      }
      if (o.json) printJson({ dataset: target, ok: bad.length === 0, files: lines.map((l) => ({ ...l, actual: l.actual ?? 'missing' })) });
      else {
        for (const l of lines) console.log(`${l.ok ? 'ok  ' : 'BAD '} ${l.file}${l.ok ? '' : ` (expected ${l.expected}, found ${l.actual ?? 'missing'})`}`);
        console.log(bad.length === 0 ? `${target}: ${lines.length} files verified, and the dataset loads` : `${target}: ${bad.length} of ${lines.length} files do not match`);
      }
      if (bad.length) throw new UsageError(`${target}: ${bad.length} file${bad.length > 1 ? 's' : ''} failed verification (first: ${bad[0].file})`);
    });
  return data;
}
