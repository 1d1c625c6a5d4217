// `mmc train`: a fresh run, or `--resume` of an interrupted one, writing the run folder.
import { writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { configToYaml } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { Adam } from '../core/adam.js';
import { meanFeatures } from '../core/absence.js';
import { fit, initialFitState, NonFiniteError, type EpochRecord, type ExtraLoss, type FitHooks, type FitOptions, type FitState } from '../core/fit.js';
import { FusionModel } from '../core/model.js';
import { evaluateSplit } from '../core/predict.js';
import { Rng } from '../core/rng.js';
import { disposeSplit, toTensors, type TensorSplit } from '../core/tensors.js';
import { writeFileAtomic, writeJsonAtomic, appendJsonl, filterJsonl } from '../run/atomic.js';
import { checkpointDir, loadCheckpoint, readCheckpointSpec, saveCheckpoint } from '../run/checkpoint.js';
import type { RunContext } from '../run/context.js';
import { closeLogFile, type Logger } from '../run/logger.js';
import { readEnv, readSummary, type RunSummary } from '../run/records/index.js';
import { captureEnv } from '../run/env.js';
import { createProgress } from '../run/progress.js';
import { writeMetricsCsv } from '../run/metrics-csv.js';
import { createRunFolder, selfProcess, type RunFolder } from '../run/run-folder.js';
import { UsageError } from '../errors.js';
import { MMC_VERSION } from '../version.js';
import { configHash } from '../config/hash.js';
import { dataFor, modelSpec, specForCheckpoint } from './data-and-model.js';

export interface TrainOptions {
  resume?: RunFolder; // continue this run from checkpoints/last
  stopAfter?: number; // stop (as if interrupted) after this many epochs in this session
  command?: string; // run-folder command label
  teacher?: { id: string; configHash: string }; // recorded in run.json (distill)
  /** Called once the model exists (before a resume loads weights): adds aux layers, returns an extra loss. */
  prepare?: (model: FusionModel, rng: Rng) => Promise<ExtraLoss> | ExtraLoss;
  epochExtras?: FitOptions['epochExtras'];
  /** Called after training finished and summary.json is written, before run.json says `finished` (EBR writes ebr.json). */
  beforeFinish?: (folder: RunFolder) => Promise<void>;
  /**
   * A second stage once the first ends (train.epochs or early stopping; two-stage KD): `epochs` more
   * epochs of the task loss alone that update only the parameters `trainable` names, after `begin`
   * (e.g. fresh weights), with a fresh optimiser and the learning-rate schedule, best tracking and
   * early stopping started over. Each epoch's record says its `stage`.
   */
  secondStage?: { epochs: number; trainable: (name: string) => boolean; begin: (model: FusionModel) => void };
  /** Per-parameter factors on the learning rate, by parameter name (EBR: ψ's ebr.psi_lr). */
  lrScale?: (model: FusionModel) => Record<string, number> | undefined;
  /** EBR: the stand-in orders that val_missing_loss's conditions follow under eval.protocol substitute, from the epoch's model. */
  substituteOrder?: (model: FusionModel, val: TensorSplit) => Promise<Record<string, string[]>>;
}

export interface TrainResult {
  run: string;
  status: 'finished' | 'interrupted';
  summary: Record<string, unknown>;
}

/**
 * `--resume` of a run that had already finished (a scheduler requeued a job that in fact ended) is a
 * no-op success: the run's own result, from its summary.json, and nothing written. null otherwise.
 */
export function finishedResult(ctx: RunContext, folder: RunFolder): TrainResult | null {
  if (folder.readRun().status !== 'finished') return null;
  ctx.log.info({ run: folder.id }, `run ${folder.id} already finished; nothing to resume`);
  const file = folder.path('summary.json');
  const summary = readSummary(file);
  if (!summary) throw new UsageError(`${file}: missing, though run.json says the run finished`);
  return { run: folder.dir, status: 'finished', summary };
}

export async function train(ctx: RunContext, o: TrainOptions = {}): Promise<TrainResult> {
  const done = o.resume ? finishedResult(ctx, o.resume) : null;
  if (done) return done;
  const config: Config = ctx.config;
  const hash = configHash(config);
  // Data and model are checked before a run folder exists: a bad combination leaves nothing behind.
  const dataset = dataFor(config);
  let spec = modelSpec(config, dataset);
  if (config.train.early_stopping.metric === 'val_missing_loss' && config.eval.protocol === 'substitute' && !o.substituteOrder) {
    throw new UsageError('train.early_stopping.metric: val_missing_loss under eval.protocol: substitute needs a g-space to substitute from (mmc reallocate); use eval.protocol zero or mean');
  }
  // A resumed run goes on with the model its checkpoint was saved from (a run from before ebr.hinv_output: ReLU).
  const resumeDir = o.resume ? checkpointDir(o.resume.path('checkpoints'), 'last') : null;
  if (resumeDir) spec = specForCheckpoint(spec, readCheckpointSpec(resumeDir));

  const folder = o.resume ?? createRunFolder(ctx.runsDir, o.command ?? 'train', config.name, hash);
  // One process per run: a second `--resume` while this one lives exits 2 (RunLockedError).
  const unlock = folder.lock();
  try {
    return await trainLocked(ctx, o, folder, unlock, { hash, dataset, spec });
  } finally {
    unlock();
  }
}

async function trainLocked(ctx: RunContext, o: TrainOptions, folder: RunFolder, unlock: () => void, checked: { hash: string; dataset: ReturnType<typeof dataFor>; spec: ReturnType<typeof modelSpec> }): Promise<TrainResult> {
  const config: Config = ctx.config;
  const { hash, dataset, spec } = checked;
  const binary = dataset.task === 'binary';
  const started = new Date().toISOString();
  // pid and host let listings and --resume tell a live run from one killed while `running`.
  const me = selfProcess();
  if (o.resume) {
    // It may have finished while we waited for its lock.
    const done = finishedResult(ctx, folder);
    if (done) return done;
    const prev = folder.readRun();
    folder.updateRun({ status: 'running', ended: null, resumed: [...(prev.resumed ?? []), started], error: undefined, ...me });
  } else {
    writeFileAtomic(folder.path('config.yaml'), configToYaml(config));
    folder.writeRun({ id: folder.id, command: o.command ?? 'train', argv: ctx.argv, status: 'running', started, ended: null, config_hash: hash, parent: null, teacher: o.teacher?.id ?? null, ...(o.teacher ? { teacher_config_hash: o.teacher.configHash } : {}), ...me });
  }
  // A second SIGINT/SIGTERM quits at once: the run is then interrupted at its last checkpoint.
  const offAbort = ctx.onAbort?.(() => {
    folder.updateRun({ status: 'interrupted', ended: new Date().toISOString() });
    unlock();
  });
  const log = ctx.makeLogger(folder.path('log.jsonl'));
  try {
    return await trainRun(ctx, o, folder, { config, dataset, spec, binary, log });
  } finally {
    offAbort?.();
    closeLogFile(log);
  }
}

async function trainRun(ctx: RunContext, o: TrainOptions, folder: RunFolder, c: { config: Config; dataset: ReturnType<typeof dataFor>; spec: ReturnType<typeof modelSpec>; binary: boolean; log: Logger }): Promise<TrainResult> {
  const { config, dataset, spec, binary, log } = c;
  const blas = ctx.backend.native;
  log.info(
    { backend: ctx.backend.name, package: ctx.backend.package, tfjs: ctx.backend.versions['tfjs-core'], skipped: ctx.backend.tried.map((t) => t.package), ...(blas ? { blas: blas.blas_config, blas_core: blas.blas_core, threads: blas.threads } : {}) },
    `backend ${ctx.backend.name}${blas ? ` (${blas.blas_core} kernels, ${blas.threads} thread${blas.threads === 1 ? '' : 's'})` : ''}`,
  );
  // Same seed and backend → same run; a resume on another backend goes on with other kernels
  // (float rounding differs), which the user should know (runs begun on wasm before native existed).
  const before = o.resume ? readEnv(folder.path('env.json'))?.backend?.name : undefined;
  if (before && before !== ctx.backend.name) {
    log.warn(
      { began_on: before, now: ctx.backend.name },
      `this run began on the ${before} backend and resumes on ${ctx.backend.name}: later epochs use other kernels (float rounding differs); for the same backend use --backend ${before}`,
    );
  }
  writeJsonAtomic(folder.path('env.json'), { ...captureEnv(ctx.backend, config.seed, dataset.hash, MMC_VERSION), ...(dataset.info ? { dataset_info: dataset.info } : {}) });

  const rng = new Rng(config.seed);
  const model = new FusionModel(spec, rng.fork()); // weights from their own stream…
  const trainStream = rng.fork(); // …shuffles and dropout masks from another
  const extraLoss = o.prepare ? await o.prepare(model, rng.fork()) : undefined;
  const lrScale = o.lrScale?.(model);
  let opt = new Adam(model.params, { beta1: config.train.optimizer.beta1, beta2: config.train.optimizer.beta2, eps: config.train.optimizer.eps, weightDecay: config.train.optimizer.weight_decay, ...(lrScale ? { lrScale } : {}) });
  let state: FitState = initialFitState(trainStream);
  const second = o.secondStage;
  const secondOpt = () => {
    const next = opt.subset(second!.trainable);
    opt.dispose();
    opt = next;
  };
  const metricsPath = folder.path('metrics.jsonl');
  // metrics.csv is rebuilt from metrics.jsonl (a few records) whenever the JSONL changes, so after a
  // resume, which drops the records written after the checkpoint, the CSV drops them too.
  const syncCsv = () => writeMetricsCsv(metricsPath, folder.path('metrics.csv'));
  let history: EpochRecord[] = [];
  if (o.resume) {
    const dir = checkpointDir(folder.path('checkpoints'), 'last');
    if (dir) {
      const ck = loadCheckpoint(dir);
      model.setWeights(ck.weights);
      if (ck.state.stage?.index === 2) secondOpt();
      opt.setState(ck.optimizer);
      state = ck.state;
    }
    // Records after the checkpoint are redone; dropping them keeps the file free of duplicates.
    history = filterJsonl<EpochRecord>(metricsPath, (r) => r.epoch <= state.epoch);
    syncCsv();
    log.info({ epoch: state.epoch, step: state.step }, `resuming ${folder.id} after epoch ${state.epoch}`);
  } else {
    writeFileSync(metricsPath, '');
    syncCsv();
  }

  const names = model.modalityNames;
  const trainT = toTensors(dataset.splits.train, names);
  const valT = toTensors(dataset.splits.val, names);
  log.info({ run: folder.id, modalities: names, fusion: spec.fusion.type, params: model.trainable.reduce((s, v) => s + v.size, 0), train: trainT.n, val: valT.n }, 'training');

  const progress = createProgress(process.stderr, ctx.progress);
  const stepsPerEpoch = Math.ceil(trainT.n / config.train.batch_size);
  const planned = config.train.epochs + (second?.epochs ?? 0);
  let sessionEpochs = 0;
  let lastSaved: number | null = o.resume ? state.epoch : null; // epoch of checkpoints/last (null: none yet)
  const save = async (which: 'last' | 'best', s: FitState) => {
    saveCheckpoint(folder.path('checkpoints'), which, { spec, weights: await model.weightValues(), optimizer: await opt.state(), state: s });
  };
  // val_missing_loss's conditions under eval.protocol (zero: nothing to fill).
  const protocol = config.eval.protocol;
  const missingFill: FitOptions['missingFill'] =
    protocol === 'mean' ? async (m) => ({ fill: await meanFeatures(m, trainT) }) : protocol === 'substitute' && o.substituteOrder ? async (m, val) => ({ substitute: await o.substituteOrder!(m, val) }) : undefined;
  try {
    progress.epochStart(state.epoch + 1, planned, stepsPerEpoch);
    const hooks: FitHooks = {
      onStep: (done) => progress.step(done),
      shouldStop: () => ctx.shouldStop() || (o.stopAfter !== undefined && sessionEpochs >= o.stopAfter),
      onEpochEnd: async (rec, s, improved) => {
        sessionEpochs++;
        progress.epochEnd(`loss ${rec.train_loss.toFixed(4)} val_loss ${rec.val_loss.toFixed(4)} val_acc ${rec.val_acc.toFixed(4)} ${Math.round(rec.samples_per_s)} samples/s`);
        if (second) {
          const { epoch, ...rest } = rec;
          rec = { epoch, stage: s.stage?.index ?? 1, ...rest };
        }
        appendJsonl(metricsPath, rec);
        syncCsv();
        history.push(rec);
        if (improved) await save('best', s);
        await save('last', s);
        lastSaved = s.epoch;
        log.debug({ ...rec }, `epoch ${rec.epoch}`);
        if (!s.done || (second && !s.stage)) progress.epochStart(s.epoch + 1, planned, stepsPerEpoch);
      },
    };
    const common = { model, train: trainT, val: valT, binary, aloneEachEpoch: config.analysis.every_epoch, epochExtras: o.epochExtras, substitution: config.ebr.enabled ? config.ebr.train_substitution : 0, substituteMissing: config.ebr.enabled && config.ebr.substitution === 'missing', missingFill, hooks, modalityOrder: dataset.modalities.map((m) => m.name) };
    if (!state.stage) state = await fit({ ...common, opt, config: config.train, state, extraLoss });
    if (second && state.done && !state.stage) {
      // Stage 2 begins (again, on a resume from the last epoch of stage 1: `begin` is deterministic).
      second.begin(model);
      secondOpt();
      state = { ...state, stage: { index: 2, epoch: state.epoch, step: state.step }, best: null, badEpochs: 0, done: false };
    }
    if (second && state.stage) {
      const trainable = [...model.params].filter(([name]) => second.trainable(name)).map(([, v]) => v);
      state = await fit({ ...common, opt, config: { ...config.train, epochs: state.stage.epoch + second.epochs }, state, trainable });
    }
  } catch (e) {
    progress.stop();
    let err = e;
    if (e instanceof NonFiniteError) {
      // checkpoints/last is untouched: it is the last epoch whose loss, gradients and weights were finite.
      const where = lastSaved !== null && lastSaved > 0 ? `the last good checkpoint is epoch ${lastSaved} (${folder.path('checkpoints', 'last')}), left untouched` : 'no checkpoint was saved before it';
      const hint = config.train.on_nonfinite === 'stop' ? '; rerun with train.on_nonfinite=skip to skip such batches' : '; lower train.optimizer.lr or check the data';
      err = new Error(`${e.message}; ${where}${hint}`);
    }
    folder.updateRun({ status: 'failed', ended: new Date().toISOString(), error: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    progress.stop();
    disposeSplit(trainT);
    disposeSplit(valT);
  }

  const finished = state.done;
  let summary: Record<string, unknown> = {};
  if (finished) {
    summary = await writeSummary(folder, config, model, dataset, history, state, binary);
    log.info({ best_epoch: state.best?.epoch, test_acc: (summary.test as { accuracy: number }).accuracy }, 'finished');
  } else {
    log.warn({ epoch: state.epoch }, `stopped after epoch ${state.epoch}; continue with: mmc ${o.command ?? 'train'} --resume ${folder.dir}`);
  }
  if (finished && o.beforeFinish) await o.beforeFinish(folder);
  folder.updateRun({ status: finished ? 'finished' : 'interrupted', ended: new Date().toISOString() });
  opt.dispose();
  model.dispose();
  return { run: folder.dir, status: finished ? 'finished' : 'interrupted', summary };
}

async function writeSummary(folder: RunFolder, config: Config, model: FusionModel, dataset: ReturnType<typeof dataFor>, history: EpochRecord[], state: FitState, binary: boolean) {
  // Test metrics of the selected checkpoint: the best by the early-stopping metric, or the last.
  const dir = checkpointDir(folder.path('checkpoints'), config.train.select);
  if (dir) model.setWeights(loadCheckpoint(dir).weights);
  const testT = toTensors(dataset.splits.test, model.modalityNames);
  const test = await evaluateSplit(model, testT, binary);
  disposeSplit(testT);
  const last = history.at(-1);
  const speeds = history.map((h) => h.samples_per_s);
  const summary: RunSummary = {
    run: folder.id,
    name: config.name,
    dataset: config.dataset.name,
    modalities: model.modalityNames,
    fusion: model.spec.fusion.type,
    epochs: state.epoch,
    steps: state.step,
    best_epoch: state.best?.epoch ?? null,
    best_metric: { name: config.train.early_stopping.metric, value: state.best?.value ?? null },
    test_checkpoint: config.train.select,
    final: last ? { train_loss: last.train_loss, train_acc: last.train_acc, val_loss: last.val_loss, val_acc: last.val_acc } : null,
    test,
    samples_per_s: speeds.length ? speeds.reduce((a, b) => a + b, 0) / speeds.length : null,
    num_tensors_end: tf.memory().numTensors,
  };
  writeJsonAtomic(folder.path('summary.json'), summary);
  return summary;
}
