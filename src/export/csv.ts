// One wide table of runs, one row each, column names as in mlflow.search_runs: the run's identity,
// then params.<config key>, then metrics.<summary.json number>.
import { csvTable } from '../run/metrics-csv.js';
import { configParams, summaryMetrics, type ExportRun } from './source.js';

export const RUN_COLUMNS = ['run_id', 'command', 'status', 'started', 'ended', 'sweep', 'job', 'parent', 'teacher', 'path'];

export function runsToCsv(runs: ExportRun[]): string {
  const params = new Set<string>();
  const metrics = new Set<string>();
  const rows = runs.map((r) => {
    const row: Record<string, unknown> = {
      run_id: r.id,
      command: r.run.command,
      status: r.run.status,
      started: r.run.started,
      ended: r.run.ended,
      sweep: r.sweep?.id,
      job: r.sweep?.job,
      parent: r.run.parent,
      teacher: r.run.teacher,
      path: r.dir,
    };
    for (const [k, v] of Object.entries(configParams(r.config))) {
      params.add(k);
      row[`params.${k}`] = v;
    }
    for (const [k, v] of Object.entries(summaryMetrics(r.summary))) {
      metrics.add(k);
      row[`metrics.${k}`] = v;
    }
    return row;
  });
  return csvTable([...RUN_COLUMNS, ...[...params].map((k) => `params.${k}`), ...[...metrics].map((k) => `metrics.${k}`)], rows);
}
