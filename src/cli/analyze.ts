import { join } from 'node:path';
import { Command } from 'commander';
import { analyzeOptions, analyzeRun, DEFAULT_ANALYZE } from '../commands/analyze.js';
import type { Analysis } from '../run/records/index.js';
import { loadConfigFile } from '../config/load.js';
import { selectBackend } from '../backend.js';
import { UsageError } from '../errors.js';
import { openRunFolder } from '../run/run-folder.js';
import type { BackendChoice, EvalSplit } from '../config/schema.js';
import type { CheckpointName } from '../run/checkpoint.js';
import { backendOption, checkpointOption, parseSeed, printJson, quietOption, splitOption } from './common.js';

interface AnalyzeOpts {
  run: string;
  runsDir: string;
  split?: EvalSplit;
  checkpoint?: CheckpointName;
  tau: string;
  kappa: string;
  seed?: string;
  backend?: BackendChoice;
  json?: boolean;
}

function positive(flag: string, v: string): number {
  const x = Number(v);
  if (!(x > 0) || !Number.isFinite(x)) throw new UsageError(`${flag} ${v}: expected a positive number`);
  return x;
}

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');

export function formatAnalysis(a: Analysis): string {
  const L: string[] = [`run ${a.run}  split ${a.split}  n ${a.n}  accuracy ${f3(a.all_present.accuracy)}`];
  L.push(`fused representation: effective rank ${f3(a.rank.fused.effective_rank)}, numerical rank ${a.rank.fused.numerical_rank} of ${a.rank.fused.dims[1]} (τ ${a.rank.fused.tau})`);
  if (a.rank.pooled) L.push(`pooled attention tokens: effective rank ${f3(a.rank.pooled.effective_rank)}, numerical rank ${a.rank.pooled.numerical_rank} of ${a.rank.pooled.dims[1]}`);
  L.push(`polysemanticity: cross-modal fraction ${f3(a.polysemanticity.cross_modal_fraction)} of ${a.polysemanticity.live_neurons} live neurons (${a.polysemanticity.dead_neurons} dead), mean normalised entropy ${f3(a.polysemanticity.mean_normalised_entropy)}`);
  if (a.collisions) L.push(`noise–predictive cross-modal collision fraction ${f3(a.collisions.noise_predictive_collision_fraction)}`);
  L.push('modality   enc eff.rank  Δacc zero  Δacc mean  Shapley  alone CE  probe CE  gap   AUC noise  AUC missing');
  for (const m of a.modalities) {
    const s = a.semantic_loss[m];
    L.push(
      [m.padEnd(10), f3(a.rank.encoders[m].effective_rank).padStart(12), f3(a.contribution.zero[m].accuracy_drop).padStart(10), f3(a.contribution.mean[m].accuracy_drop).padStart(10), f3(a.contribution.shapley.values[m]).padStart(8), f3(s.alone_cross_entropy).padStart(9), f3(s.probe.cross_entropy).padStart(9), f3(s.gap).padStart(5), f3(a.robustness.noise[m].auc).padStart(10), f3(a.robustness.missing[m].auc).padStart(12)].join(' '),
    );
  }
  const each = a.robustness.missing_each;
  if (each) L.push(`each modality missing independently, AUC over rate 0→1: zero ${f3(each.zero.auc)}, mean ${f3(each.mean.auc)}${each.substitute ? `, substitute ${f3(each.substitute.auc)}` : ''}`);
  return L.join('\n');
}

export function analyzeCommand(): Command {
  return new Command('analyze')
    .description('measure collapse in a trained run: ranks, contributions, Shapley values, semantic loss, polysemanticity, robustness')
    .requiredOption('--run <run>', 'run folder (path, or id under --runs-dir)')
    .option('--runs-dir <dir>', 'where run folders live', 'runs')
    .addOption(splitOption('analyse'))
    .addOption(checkpointOption())
    .option('--tau <t>', 'numerical rank: count σ > τ·σ_max', String(DEFAULT_ANALYZE.tau))
    .option('--kappa <k>', 'a source holds a large share of a neuron at ≥ κ/S (S sources)', String(DEFAULT_ANALYZE.kappa))
    .option('--seed <n>', 'seed for the robustness curves (default: the run\'s seed)')
    .addOption(backendOption())
    .option('--json', 'print the analysis as JSON')
    .addOption(quietOption())
    .action(async (o: AnalyzeOpts) => {
      const run = openRunFolder(o.run, o.runsDir);
      const config = loadConfigFile(join(run.dir, 'config.yaml'), { overrides: o.backend ? [`backend=${o.backend}`] : [] });
      const tau = positive('--tau', o.tau);
      const kappa = positive('--kappa', o.kappa);
      await selectBackend(config.backend);
      const a = await analyzeRun(config, run, analyzeOptions(config, { split: o.split, checkpoint: o.checkpoint, tau, kappa, seed: o.seed !== undefined ? parseSeed(o.seed) : undefined }));
      if (o.json) printJson(a);
      else process.stdout.write(formatAnalysis(a) + '\n');
    });
}
