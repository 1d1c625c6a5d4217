import { Command } from 'commander';
import { openSweep, pointStats, writeSweepTables } from '../commands/sweep.js';
import { UsageError } from '../errors.js';
import { printJson, quietOption } from './common.js';

interface SummarizeOpts {
  sweep: string;
  runsDir: string;
  metrics: string;
  json?: boolean;
}

export function summarizeCommand(): Command {
  return new Command('summarize')
    .description('a Markdown table of a sweep: mean ± std over seeds of chosen metrics per grid point')
    .requiredOption('--sweep <sweep>', 'sweep folder')
    .option('--runs-dir <dir>', 'where sweep folders live', 'runs')
    .requiredOption('--metrics <list>', 'comma-separated results columns, e.g. test_acc,poly_fraction')
    .option('--json', 'print the numbers as JSON')
    .addOption(quietOption())
    .action((o: SummarizeOpts) => {
      const s = openSweep(o.sweep, o.runsDir);
      const rows = writeSweepTables(s.dir, s.spec);
      const metrics = o.metrics.split(',').map((m) => m.trim()).filter(Boolean);
      const known = new Set(rows.flatMap((r) => Object.keys(r.metrics)));
      for (const m of metrics) if (!known.has(m)) throw new UsageError(`--metrics ${m}: no such column (some are: ${[...known].slice(0, 12).join(', ')}, …)`);
      const keys = s.spec.grid.map((g) => g.key);
      const per = metrics.map((m) => pointStats(rows, m));
      if (o.json) return printJson({ sweep: s.dir, metrics, groups: per });
      const head = [...keys, 'n', ...metrics];
      const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
      const byPoint = per.map((p) => new Map(p.map((g) => [JSON.stringify(g.values), g])));
      const points = [...new Map(rows.map((r) => [JSON.stringify(r.values), r.values])).entries()];
      for (const [id, values] of points) {
        const cells = byPoint.map((m) => m.get(id));
        const n = Math.max(0, ...cells.map((c) => c?.n ?? 0));
        lines.push(`| ${[...keys.map((k) => values[k]), String(n), ...cells.map((c) => (c ? `${c.mean.toFixed(3)} ± ${c.std.toFixed(3)}` : '—'))].join(' | ')} |`);
      }
      const failed = rows.filter((r) => r.status === 'failed').length;
      lines.push('', `sweep ${s.spec.id}: ${rows.length} jobs, ${failed} failed; ${s.spec.seeds} seeds per point`);
      process.stdout.write(lines.join('\n') + '\n');
    });
}
