// The manifest of a dataset folder (manifest.yaml beside .npy arrays): what users write to bring
// their own data. Parsed with the config loader, so mistakes name the file, line and key.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { parseYamlWith } from '../config/load.js';
import { UsageError } from '../errors.js';

const name = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]*$/, 'a name of letters, digits, _ or -');
const file = z.string().min(1); // a path relative to the folder

const splitSchema = z
  .object({
    labels: file, // int array [N] (or [N, 1])
    x: z.record(name, file), // modality → array [N, ...shape] (or [N, prod(shape)])
    present: z.record(name, file).default({}), // modality → 0/1 array [N]: natural missingness
  })
  .strict();

export const manifestSchema = z
  .object({
    name,
    description: z.string().default(''),
    source: z.string().default(''),
    license: z.string().default(''),
    task: z.enum(['multiclass', 'binary']),
    num_classes: z.number().int().min(2).max(100_000).nullable().default(null), // binary: 2
    class_names: z.array(z.string()).nullable().default(null),
    modalities: z
      .array(z.object({ name, shape: z.array(z.number().int().min(1).max(1 << 20)).min(1).max(3) }).strict()) // [d] or [H, W, C]
      .min(1)
      .max(16),
    splits: z.object({ train: splitSchema, val: splitSchema, test: splitSchema }).strict(),
    sha256: z.record(file, z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in lower-case hex')).default({}), // file → checksum, for mmc data verify
  })
  .strict()
  .superRefine((m, ctx) => {
    const names = m.modalities.map((x) => x.name);
    names.forEach((n, i) => names.indexOf(n) !== i && ctx.addIssue({ code: 'custom', path: ['modalities', i, 'name'], message: `duplicate modality name "${n}"` }));
    if (m.task === 'binary' && m.num_classes !== null && m.num_classes !== 2) ctx.addIssue({ code: 'custom', path: ['num_classes'], message: 'a binary task has 2 classes' });
    if (m.task === 'multiclass' && m.num_classes === null) ctx.addIssue({ code: 'custom', path: ['num_classes'], message: 'missing required key for a multiclass task (expected number)' });
    const classes = m.task === 'binary' ? 2 : m.num_classes;
    if (m.class_names && classes !== null && m.class_names.length !== classes) ctx.addIssue({ code: 'custom', path: ['class_names'], message: `${m.class_names.length} names for ${classes} classes` });
    for (const s of ['train', 'val', 'test'] as const) {
      const sp = m.splits[s];
      for (const n of names) if (!(n in sp.x)) ctx.addIssue({ code: 'custom', path: ['splits', s, 'x'], message: `no array for modality "${n}"` });
      for (const k of Object.keys(sp.x)) if (!names.includes(k)) ctx.addIssue({ code: 'custom', path: ['splits', s, 'x', k], message: `"${k}" is not one of the modalities (${names.join(', ')})` });
      for (const k of Object.keys(sp.present)) if (!names.includes(k)) ctx.addIssue({ code: 'custom', path: ['splits', s, 'present', k], message: `"${k}" is not one of the modalities (${names.join(', ')})` });
    }
  });

export type Manifest = z.infer<typeof manifestSchema>;
export const MANIFEST_FILE = 'manifest.yaml';

export function readManifest(dir: string): { manifest: Manifest; file: string } {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`${path}: cannot read the dataset manifest (${code === 'ENOENT' ? 'no such file' : code === 'ENOTDIR' ? `${dir} is not a folder` : code ?? (e as Error).message})`);
  }
  return { manifest: parseYamlWith(manifestSchema, text, path, { what: 'dataset manifest' }), file: path };
}

/** Every file the manifest names, relative to the folder, in a stable order. */
export function manifestFiles(m: Manifest): { key: string; file: string }[] {
  const out: { key: string; file: string }[] = [];
  for (const s of ['train', 'val', 'test'] as const) {
    const sp = m.splits[s];
    out.push({ key: `splits.${s}.labels`, file: sp.labels });
    for (const [k, f] of Object.entries(sp.x)) out.push({ key: `splits.${s}.x.${k}`, file: f });
    for (const [k, f] of Object.entries(sp.present)) out.push({ key: `splits.${s}.present.${k}`, file: f });
  }
  return out;
}
