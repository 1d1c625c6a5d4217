import { Command, Option } from 'commander';
import { EXPORT_FORMATS, exportRuns, type ExportFormat } from '../commands/export.js';
import { printJson, quietOption } from './common.js';

interface ExportOpts {
  format: ExportFormat;
  out: string;
  experiment?: string;
  runsDir: string;
  json?: boolean;
}

export function exportCommand(): Command {
  return new Command('export')
    .description('write runs for other tools: an MLflow file store (mlflow ui) or one wide CSV (pandas)')
    .argument('<run-or-sweep...>', 'run folders and sweep folders (a sweep exports all its runs); paths, or names under --runs-dir')
    .addOption(new Option('--format <format>', 'mlflow: DIR/mlruns, browse with `mlflow ui --backend-store-uri DIR/mlruns`; csv: DIR/runs.csv, one row per run').choices([...EXPORT_FORMATS]).makeOptionMandatory())
    .requiredOption('--out <dir>', 'output directory (created if missing); exporting a run again replaces its earlier export')
    .option('--experiment <name>', 'mlflow: experiment name (default: MLflow\'s "Default", id 0); csv: file name DIR/<name>.csv')
    .option('--runs-dir <dir>', 'where run and sweep folders live', 'runs')
    .option('--json', 'print what was written as JSON')
    .addOption(quietOption())
    .addHelpText(
      'after',
      `
MLflow layout (per run, under DIR/mlruns/<experiment id>/<run id>/):
  meta.yaml               run info (status FINISHED/FAILED/KILLED for finished/failed/interrupted)
  params/<key>            the config, flattened (train.epochs, dataset.modalities.audio.strength, …)
  metrics/<key>           per-epoch values from metrics.jsonl (step = epoch), then summary.json's
                          numbers (test.accuracy, best_metric.value, …) at the last epoch
  tags/                   mlflow.runName (the mmc run id), mlflow.source.*, mmc.command, mmc.sweep, …
  artifacts/              config.yaml, run.json, env.json, summary.json, metrics.jsonl, metrics.csv, eval/
Ids are hashes of the experiment name and the mmc run id: exporting again overwrites, never duplicates.

CSV columns: run_id, command, status, started, ended, sweep, job, parent, teacher, path,
params.<config key>…, metrics.<summary key>… (the column names mlflow.search_runs uses).

Examples:
  mmc export --format mlflow --out exports runs/<sweep folder> && mlflow ui --backend-store-uri exports/mlruns
  mmc export --format csv --out exports --experiment ablation runs/<run> runs/<sweep>   # exports/ablation.csv`,
    )
    .action((refs: string[], o: ExportOpts) => {
      const r = exportRuns({ format: o.format, out: o.out, refs, runsDir: o.runsDir, experiment: o.experiment });
      if (o.json) return printJson(r);
      if (r.format === 'csv') process.stdout.write(`${r.file}\n${r.runs.length} run${r.runs.length === 1 ? '' : 's'}\n`);
      else process.stdout.write(`${r.store}\nexperiment ${r.experiment.name} (id ${r.experiment.id}): ${r.runs.length} run${r.runs.length === 1 ? '' : 's'}\nbrowse: mlflow ui --backend-store-uri ${r.store}\n`);
    });
}
