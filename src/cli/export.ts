import { Command, Option } from 'commander';
import { EXPORT_FORMATS, exportRuns, type ExportFormat } from '../commands/export.js';
import { checkpointOption, printJson, quietOption } from './common.js';
import type { CheckpointName } from '../run/checkpoint.js';

interface ExportOpts {
  format: ExportFormat;
  out: string;
  experiment?: string;
  checkpoint?: CheckpointName;
  runsDir: string;
  json?: boolean;
}

export function exportCommand(): Command {
  return new Command('export')
    .description('write runs for other tools: an MLflow file store (mlflow ui), one wide CSV (pandas), or each run\'s model as ONNX')
    .argument('<run-or-sweep...>', 'run folders and sweep folders (a sweep exports all its runs); paths, or names under --runs-dir')
    .addOption(new Option('--format <format>', 'mlflow: DIR/mlruns, browse with `mlflow ui --backend-store-uri DIR/mlruns`; csv: DIR/runs.csv, one row per run; onnx: DIR/<run id>.onnx per run').choices([...EXPORT_FORMATS]).makeOptionMandatory())
    .requiredOption('--out <dir>', 'output directory (created if missing); exporting a run again replaces its earlier export')
    .option('--experiment <name>', 'mlflow: experiment name (default: MLflow\'s "Default", id 0); csv: file name DIR/<name>.csv')
    .addOption(checkpointOption())
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

ONNX (opset 13, one file per run): inputs <modality> [batch, input dim] as mmc stores it (conv
encoders reshape to [H, W, C] inside) and present [batch, M] (1 = present, columns in modality order;
0 is mmc's zero protocol at the fusion input); outputs logits [batch, C] and
fused (the fusion head's last hidden layer). MLP and conv encoders, concat/sum/late fusion and EBR's
h⁻¹(h(f)) path; attention fusion is refused. Diagnose it with
  mmc diagnose --model DIR/<run id>.onnx --config runs/<run>/config.yaml --absence mask:present

Examples:
  mmc export --format mlflow --out exports runs/<sweep folder> && mlflow ui --backend-store-uri exports/mlruns
  mmc export --format csv --out exports --experiment ablation runs/<run> runs/<sweep>   # exports/ablation.csv
  mmc export --format onnx --out exports runs/<run>                                       # exports/<run>.onnx`,
    )
    .action((refs: string[], o: ExportOpts) => {
      const r = exportRuns({ format: o.format, out: o.out, refs, runsDir: o.runsDir, experiment: o.experiment, checkpoint: o.checkpoint });
      if (o.json) return printJson(r);
      if (r.format === 'onnx') return void process.stdout.write(r.models.map((m) => `${m.file}  (${m.checkpoint} checkpoint, ${m.bytes} bytes)\n`).join(''));
      if (r.format === 'csv') process.stdout.write(`${r.file}\n${r.runs.length} run${r.runs.length === 1 ? '' : 's'}\n`);
      else process.stdout.write(`${r.store}\nexperiment ${r.experiment.name} (id ${r.experiment.id}): ${r.runs.length} run${r.runs.length === 1 ? '' : 's'}\nbrowse: mlflow ui --backend-store-uri ${r.store}\n`);
    });
}
