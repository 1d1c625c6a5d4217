// `npm start` / `mmc demo`: the collapse demonstration. Trains vanilla fusion and one unimodal
// model per modality on the same data, then evaluates fusion with each modality missing.
// Collapse shows as: fusion with modality A missing ≪ the model trained on the others alone.
import { usedModalities, type Config } from '../config/schema.js';
import { modalityNames } from './data-and-model.js';
import type { ClassMetrics } from '../core/metrics.js';
import type { RunContext } from '../run/context.js';
import { openRunFolder } from '../run/run-folder.js';
import { evaluateRun } from './eval.js';
import { train } from './train.js';
import { distill } from './distill.js';
import { reallocate } from './reallocate.js';

export interface DemoRow {
  model: string;
  run: string;
  modalities: string[];
  all_present: ClassMetrics;
  missing: Record<string, ClassMetrics>; // accuracy with that modality missing (zero protocol)
}

export interface DemoResult {
  config: string | null;
  backend: string;
  rows: DemoRow[];
  collapse: { modality_missing: string; fusion_acc: number; unimodal_acc: number; gap: number }[];
  kd_collapse: { modality_missing: string; fusion_acc: number; unimodal_acc: number; gap: number }[] | null;
  dropout_collapse: { modality_missing: string; fusion_acc: number; unimodal_acc: number; gap: number }[] | null;
  ebr_substitute: { modality_missing: string; substitute: string | null; accuracy: number } | null;
  samples_per_s: number;
  seconds: number;
}

export interface DemoOptions {
  dropout: number; // modality-dropout probability of the baseline row; 0 leaves the row out
}

export async function demo(ctx: RunContext, o: DemoOptions = { dropout: 0.3 }): Promise<DemoResult> {
  const t0 = performance.now();
  const base = ctx.config;
  const names = usedModalities(base, modalityNames(base));
  const variants: { label: string; config: Config }[] = [{ label: 'fusion (vanilla)', config: { ...base, modalities: null, name: `${base.name}-fusion` } }];
  for (const n of names) variants.push({ label: `${n} only`, config: { ...base, modalities: [n], name: `${base.name}-${n}-only` } });
  // The usual simple baseline against collapse: drop each modality with probability p in training.
  if (o.dropout > 0 && names.length > 1) variants.push({ label: `fusion + dropout ${o.dropout}`, config: { ...base, modalities: null, name: `${base.name}-dropout`, train: { ...base.train, modality_dropout: o.dropout } } });

  const rows: DemoRow[] = [];
  const speeds: number[] = [];
  for (const v of variants) {
    ctx.log.info(`demo: training ${v.label}`);
    const vctx: RunContext = { ...ctx, config: v.config };
    const r = await train(vctx, { command: 'demo' });
    speeds.push((r.summary as { samples_per_s: number }).samples_per_s);
    const run = openRunFolder(r.run, ctx.runsDir);
    const used = v.config.modalities ?? names;
    const e = await evaluateRun(vctx, { run, missing: [], rate: 1, protocol: 'zero', split: 'test', checkpoint: 'best', seed: base.seed, name: 'demo' });
    const missing: Record<string, ClassMetrics> = {};
    if (used.length > 1) for (const p of e.per_modality) missing[p.modality] = p.missing;
    rows.push({ model: v.label, run: run.id, modalities: used, all_present: e.all_present, missing });
  }
  const collapseOf = (model: DemoRow) =>
    names.map((m) => {
      const others = names.filter((n) => n !== m);
      const uni = rows.find((r) => r.modalities.length === 1 && r.modalities[0] === others[0] && others.length === 1);
      const fusionAcc = model.missing[m]?.accuracy ?? NaN;
      const uniAcc = uni ? uni.all_present.accuracy : NaN;
      return { modality_missing: m, fusion_acc: fusionAcc, unimodal_acc: uniAcc, gap: uniAcc - fusionAcc };
    });
  const collapse = collapseOf(rows[0]);
  const dropoutRow = rows.find((r) => r.model.startsWith('fusion + dropout'));

  // Knowledge distillation (two modalities): the teacher is the dominant modality's unimodal run,
  // the student the encoder of the modality whose absence the fusion model survives.
  const worst = [...collapse].filter((c) => Number.isFinite(c.gap)).sort((a, b) => b.gap - a.gap)[0];
  if (names.length === 2 && worst && worst.gap > 0) {
    const dominant = worst.modality_missing;
    const student = names.find((n) => n !== dominant)!;
    const teacherRow = rows.find((r) => r.modalities.length === 1 && r.modalities[0] === dominant)!;
    ctx.log.info(`demo: distilling ${dominant} → ${student} (${base.distill.loss} loss, λ ${base.distill.lambda})`);
    const kdConfig: Config = { ...base, modalities: null, name: `${base.name}-kd`, distill: { ...base.distill, pairs: [], student, from: dominant } };
    const kctx: RunContext = { ...ctx, config: kdConfig };
    const r = await distill(kctx, openRunFolder(teacherRow.run, ctx.runsDir).dir);
    speeds.push((r.summary as { samples_per_s: number }).samples_per_s);
    const run = openRunFolder(r.run, ctx.runsDir);
    const e = await evaluateRun({ ...kctx, config: { ...kdConfig, distill: { ...kdConfig.distill, teacher: null } } }, { run, missing: [], rate: 1, protocol: 'zero', split: 'test', checkpoint: 'best', seed: base.seed, name: 'demo' });
    const missing: Record<string, ClassMetrics> = {};
    for (const p of e.per_modality) missing[p.modality] = p.missing;
    rows.push({ model: `fusion + KD (${base.distill.loss})`, run: run.id, modalities: names, all_present: e.all_present, missing });
  }
  // Explicit Basis Reallocation with the config's ebr section; also scored with substitution.
  let ebrSubstitute: { modality_missing: string; substitute: string | null; accuracy: number } | null = null;
  if (names.length >= 2) {
    ctx.log.info(`demo: reallocating (EBR, ${base.ebr.form}, λ ${base.ebr.lambda}, training-time substitution ${base.ebr.train_substitution})`);
    const ebrConfig: Config = { ...base, modalities: null, name: `${base.name}-ebr` };
    const ectx: RunContext = { ...ctx, config: ebrConfig };
    const r = await reallocate(ectx);
    speeds.push((r.summary as { samples_per_s: number }).samples_per_s);
    const run = openRunFolder(r.run, ctx.runsDir);
    const evalCtx: RunContext = { ...ectx, config: { ...ebrConfig, ebr: { ...ebrConfig.ebr, enabled: true } } };
    const e = await evaluateRun(evalCtx, { run, missing: [], rate: 1, protocol: 'zero', split: 'test', checkpoint: 'best', seed: base.seed, name: 'demo' });
    const missing: Record<string, ClassMetrics> = {};
    for (const p of e.per_modality) missing[p.modality] = p.missing;
    rows.push({ model: 'fusion + EBR', run: run.id, modalities: names, all_present: e.all_present, missing });
    const target = worst?.modality_missing ?? names[0];
    const sub = await evaluateRun(evalCtx, { run, missing: [target], rate: 1, protocol: 'substitute', split: 'test', checkpoint: 'best', seed: base.seed, name: 'demo-substitute' });
    ebrSubstitute = { modality_missing: target, substitute: sub.substitutes?.[target] ?? null, accuracy: sub.metrics.accuracy };
  }

  const kdRow = rows.find((r) => r.model.startsWith('fusion + KD'));
  return { config: ctx.configPath, backend: ctx.backend.name, rows, collapse, kd_collapse: kdRow ? collapseOf(kdRow) : null, dropout_collapse: dropoutRow ? collapseOf(dropoutRow) : null, ebr_substitute: ebrSubstitute, samples_per_s: speeds.reduce((a, b) => a + b, 0) / speeds.length, seconds: (performance.now() - t0) / 1000 };
}

const pct = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? '    —' : (100 * v).toFixed(1).padStart(5));

export function formatDemo(r: DemoResult): string {
  const names = r.rows[0].modalities;
  const head = ['model'.padEnd(22), 'all present', ...names.map((n) => `${n} missing`.padStart(15))].join('  ');
  const lines = [`Test accuracy (%) — zero protocol, backend ${r.backend}`, head, '-'.repeat(head.length)];
  // ("fusion + KD": the collapsed modality's encoder distilled from the dominant modality's unimodal
  // run; "fusion + EBR": Explicit Basis Reallocation, zero protocol in the table.)
  for (const row of r.rows) lines.push([row.model.padEnd(22), pct(row.all_present.accuracy).padStart(11), ...names.map((n) => pct(row.missing[n]?.accuracy).padStart(15))].join('  '));
  lines.push('');
  for (const c of r.collapse) {
    if (!Number.isFinite(c.unimodal_acc)) continue;
    const other = names.filter((n) => n !== c.modality_missing).join('+');
    lines.push(`with ${c.modality_missing} missing, fusion reaches ${pct(c.fusion_acc).trim()}% where ${/^[aeiou]/i.test(other) ? 'an' : 'a'} ${other}-only model reaches ${pct(c.unimodal_acc).trim()}% (gap ${(100 * c.gap).toFixed(1)} points)`);
  }
  const worst = [...r.collapse].filter((c) => Number.isFinite(c.gap)).sort((a, b) => b.gap - a.gap)[0];
  const kd = r.kd_collapse?.find((c) => c.modality_missing === worst?.modality_missing);
  const dr = r.dropout_collapse?.find((c) => c.modality_missing === worst?.modality_missing);
  if (dr) lines.push(`with modality dropout, ${dr.modality_missing} missing: fusion reaches ${pct(dr.fusion_acc).trim()}% (gap ${(100 * dr.gap).toFixed(1)} points)`);
  if (kd) lines.push(`with KD, ${kd.modality_missing} missing: fusion reaches ${pct(kd.fusion_acc).trim()}% (gap ${(100 * kd.gap).toFixed(1)} points)`);
  if (r.ebr_substitute) {
    const e = r.ebr_substitute;
    lines.push(`with EBR, ${e.modality_missing} missing and substituted from ${e.substitute ?? 'nothing (zero protocol)'}: ${pct(e.accuracy).trim()}%`);
  }
  lines.push(`mean training speed ${Math.round(r.samples_per_s)} samples/s; ${Math.round(r.seconds)} s in all`);
  return lines.join('\n');
}
