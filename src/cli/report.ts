import { Command } from 'commander';
import { writeReport } from '../commands/report.js';
import { printJson, quietOption } from './common.js';

interface ReportOpts {
  out: string;
  title?: string;
  runsDir: string;
  json?: boolean;
  quiet?: boolean;
}

export function reportCommand(): Command {
  return new Command('report')
    .description('an HTML + Markdown report of runs and sweeps: tables with bootstrap CIs and paired tests, SVG figures')
    .argument('<run-or-sweep...>', 'run folders and sweep folders (paths, or names under --runs-dir), and diagnosis folders (mmc diagnose --out)')
    .requiredOption('--out <dir>', 'output directory (created if missing): report.html, report.md, figures/*.svg')
    .option('--title <text>', 'report title')
    .option('--runs-dir <dir>', 'where run and sweep folders live', 'runs')
    .option('--json', 'print what was written as JSON')
    .addOption(quietOption())
    .addHelpText(
      'after',
      `
A sweep gets, per headline metric (test accuracy, macro-F1, cross-entropy, and with analysis the
accuracies with each modality missing, ranks, Shapley values, polysemanticity, robustness AUC): a
table per grid point with n, mean ± std and a 95% percentile-bootstrap CI of the mean (10 000
resamples, seed 0); for each categorical grid key (fusion type, method, …) Wilcoxon signed-rank
p-values between its values over paired seeds (exact or normal approximation, as stated; not
adjusted for multiple comparisons); figures of metrics against each numeric grid key, training
curves (val_acc, val_loss) and analysis fields per grid point — only what the results contain.
A run gets its command line, config hash and backend, training curves, test metrics, each
eval/*.json as a missing-modality table and the highlights of eval/analysis.json.
Every table and figure names the command that produced its data, the config hash and the backend.

report.html is self-contained (CSS and SVGs inline, no external URL); report.md links figures/*.svg.
Check that it renders: node scripts/render-report.mjs DIR/report.html DIR/report.png (headless Chromium).

Examples:
  mmc report runs/<sweep folder> --out reports/ablation --title "Fusion ablation"
  mmc report runs/<run> runs/<sweep> --out reports/all --json`,
    )
    .action(async (refs: string[], o: ReportOpts) => {
      const r = await writeReport({ refs, out: o.out, title: o.title, runsDir: o.runsDir });
      if (o.json) return printJson(r);
      process.stdout.write(`${r.html}\n${r.markdown}\n${r.tables} tables, ${r.figures.length} figures from ${r.sources.length} source${r.sources.length === 1 ? '' : 's'}\n`);
    });
}
