import { resolve } from 'node:path';
import { Command } from 'commander';
import { plotSweeps } from '../commands/plot.js';
import { openSweep, writeSweepTables } from '../commands/sweep.js';
import { printJson, quietOption } from './common.js';

interface PlotOpts {
  sweep: string[];
  runsDir: string;
  x: string;
  y: string;
  series?: string;
  title?: string;
  logX?: boolean;
  out: string;
  json?: boolean;
}

export function plotCommand(): Command {
  return new Command('plot')
    .description('an SVG figure from a sweep: a metric against a grid key or epoch, mean ± std over seeds')
    .requiredOption('--sweep <sweep>', 'sweep folder (repeatable: one series per sweep)', (v: string, p: string[]) => [...p, v], [] as string[])
    .option('--runs-dir <dir>', 'where sweep folders live', 'runs')
    .requiredOption('--x <key>', 'grid key (key:length for list values), "epoch", or "rate" (missing-rate curves, e.g. --y missing_zero.image)')
    .requiredOption('--y <metric>', 'a results column (e.g. poly_fraction, shapley.audio) or, with --x epoch, a metrics.jsonl field (e.g. val_alone_ce.audio)')
    .option('--series <key>', 'one line per value of this grid key')
    .option('--title <text>', 'figure title')
    .option('--log-x', 'logarithmic x axis')
    .requiredOption('--out <file.svg>', 'where to write the SVG')
    .option('--json', 'print the plotted numbers as JSON')
    .addOption(quietOption())
    .action(async (o: PlotOpts) => {
      const sweeps = o.sweep.map((ref) => {
        const s = openSweep(ref, o.runsDir);
        return { spec: s.spec, rows: writeSweepTables(s.dir, s.spec) };
      });
      const r = await plotSweeps(sweeps, { x: o.x, y: o.y, series: o.series, title: o.title, logX: o.logX, out: resolve(o.out) });
      if (o.json) printJson(r);
      else {
        const lines = [r.file];
        for (const s of r.series) {
          lines.push(`${s.name}: ${s.points.map((p) => `${p.x}→${p.mean.toFixed(4)}±${p.std.toFixed(4)}`).join('  ')}`);
          if (s.power_fit) lines.push(`  power-law fit y ≈ ${s.power_fit.scale.toFixed(4)}·x^${s.power_fit.exponent.toFixed(3)} over ${s.power_fit.points} points`);
        }
        process.stdout.write(lines.join('\n') + '\n');
      }
    });
}
