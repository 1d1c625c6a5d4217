// `mmc report RUN_OR_SWEEP_OR_DIAGNOSIS… --out DIR`: DIR/report.html (self-contained), DIR/report.md and the
// figures it links, DIR/figures/*.svg. Reads the folders only; writes nothing inside them.
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../run/atomic.js';
import { figuresOf, tablesOf, toHtml, toMarkdown, type Block, type ReportDoc } from '../report/doc.js';
import { runBlocks } from '../report/run-report.js';
import { resolveTargets, type ReportTarget } from '../report/source.js';
import { diagnosisBlocks } from '../report/diagnosis-report.js';
import { sweepBlocks, sweepRunsTable } from '../report/sweep-report.js';

export interface ReportOptions {
  refs: string[];
  out: string;
  title?: string;
  runsDir: string;
}

export interface ReportResult {
  html: string;
  markdown: string;
  figures: string[];
  tables: number;
  sources: { kind: ReportTarget['kind']; dir: string }[];
}

export async function writeReport(o: ReportOptions): Promise<ReportResult> {
  if (!o.refs.length) throw new UsageError('report needs at least one run or sweep folder');
  const targets = resolveTargets(o.refs, o.runsDir);
  const out = resolve(o.out);
  try {
    mkdirSync(join(out, 'figures'), { recursive: true });
  } catch (e) {
    throw new UsageError(`--out ${o.out}: cannot create ${join(out, 'figures')} (${(e as NodeJS.ErrnoException).code})`);
  }
  const blocks: Block[] = [];
  const used = new Set<string>();
  for (const [i, t] of targets.entries()) {
    const prefix = `${t.kind[0]}${i + 1}`; // r, s or d
    const figName = (slug: string) => {
      const base = `${prefix}-${slug.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/@/g, '_')}`;
      let name = `${base}.svg`;
      for (let k = 2; used.has(name); k++) name = `${base}-${k}.svg`;
      used.add(name);
      return name;
    };
    if (t.kind === 'sweep') {
      blocks.push(...(await sweepBlocks(t, figName, (job) => t.runs.get(job)?.metrics ?? [])));
      blocks.push({ kind: 'heading', level: 2, text: 'Runs' }, sweepRunsTable(t));
    } else if (t.kind === 'diagnosis') blocks.push(...(await diagnosisBlocks(t.diagnosis, t.dir, figName)));
    else blocks.push(...(await runBlocks(t.run, figName)));
  }
  const title = o.title ?? (targets.length === 1 ? `mmc report: ${targets[0].dir.split(/[\\/]/).filter(Boolean).at(-1)}` : `mmc report: ${targets.length} sources`);
  const doc: ReportDoc = { title, generated: new Date().toISOString(), blocks };
  const figures = figuresOf(doc);
  // Old figures of an earlier report into the same folder would be linked by nothing: clear them.
  rmSync(join(out, 'figures'), { recursive: true, force: true });
  mkdirSync(join(out, 'figures'), { recursive: true });
  for (const f of figures) writeFileAtomic(join(out, 'figures', f.file), f.svg);
  const html = join(out, 'report.html');
  const markdown = join(out, 'report.md');
  writeFileAtomic(markdown, toMarkdown(doc));
  writeFileAtomic(html, toHtml(doc));
  return { html, markdown, figures: figures.map((f) => join(out, 'figures', f.file)), tables: tablesOf(doc).length, sources: targets.map((t) => ({ kind: t.kind, dir: t.dir })) };
}
