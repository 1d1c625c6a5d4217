// Seeded mutations of configs, dataset manifests and .npy files, and the checker that says whether
// the loader answered as it must: a valid result, or a one-line UsageError naming the file.
// Used by test/fuzz.test.ts (bounded) and scripts/fuzz.mjs (as many cases as asked for).
import { mkdirSync, readFileSync, writeFileSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMap, isSeq, parseDocument, type Document } from 'yaml';
import { Rng } from '../src/core/rng.js';
import { parseConfigText } from '../src/config/load.js';
import { UsageError } from '../src/errors.js';
import { loadFolder } from '../src/data/folder.js';
import { writeNpy } from '../src/data/npy.js';
import { QUICK_CONFIG } from '../src/test-support.js';

export const BASE_CONFIG = readFileSync(QUICK_CONFIG, 'utf8');

const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(xs.length)];

const JUNK_VALUES: unknown[] = [
  -1, 0, -0.5, 1e308, -1e308, 2 ** 60, 2 ** 53 + 2, 1.5, 1e-320, 65537, 10_000_001, 'ten', '', 'x'.repeat(5000), '1e3', true, false, null,
  [], [1, 2, 3], ['a'], {}, { a: 1 }, { deep: { deeper: { deepest: [1, { x: null }] } } }, Array.from({ length: 200 }, (_, i) => i), '\u0000\u0001', 'ünïcødé 🙂', '../../etc/passwd',
];
const TEXT_JUNK = ['.inf', '-.inf', '.nan', '0x7fffffffffffffff', '1e308', '9'.repeat(400), '~', '!!binary aGVsbG8=', '!!js/function "f"', '&a x', '*undefined', '{', '[', '"unterminated', "'", '? [a]\n: 1', '<<: *x', '!!set {a}', '@', '`', '|'];

/** Every path to a leaf or collection in the document (keys and list indices). */
function paths(doc: Document): (string | number)[][] {
  const out: (string | number)[][] = [];
  const walk = (node: unknown, p: (string | number)[]) => {
    if (p.length) out.push(p);
    if (isMap(node)) for (const it of node.items) walk(it.value, [...p, String((it.key as { value: unknown }).value)]);
    else if (isSeq(node)) node.items.forEach((it, i) => walk(it, [...p, i]));
  };
  walk(doc.contents, []);
  return out;
}

/** One mutated config text; `kind` says what was done (for reports). */
export function mutateConfig(rng: Rng, base = BASE_CONFIG): { kind: string; text: string } {
  const op = rng.int(14);
  const doc = parseDocument(base);
  const ps = paths(doc);
  const p = pick(rng, ps);
  switch (op) {
    case 0:
    case 1:
    case 2: {
      const v = pick(rng, JUNK_VALUES);
      doc.setIn(p, doc.createNode(v));
      return { kind: 'wrong value', text: doc.toString() };
    }
    case 3: {
      const parent = p.slice(0, -1);
      const node = parent.length ? doc.getIn(parent, true) : doc.contents;
      const key = pick(rng, ['epoch', 'lr', 'hiden', 'extra', '__proto__', 'constructor', 'toString', 'n'.repeat(300), 'ümlaut', '1']);
      if (isMap(node)) node.set(key, doc.createNode(pick(rng, JUNK_VALUES)));
      else if (isSeq(node)) node.items.push(doc.createNode({ [key]: 1 }));
      return { kind: 'unknown key', text: doc.toString() };
    }
    case 4:
      doc.deleteIn(p);
      return { kind: 'missing key', text: doc.toString() };
    case 5: {
      // Huge dimensions and sizes that each pass the schema alone.
      const sets: [(string | number)[], number | number[] | string][] = [
        [['dataset', 'train_size'], pick(rng, [10_000_000, 5_000_000, 2 ** 60, 1e308])],
        [['dataset', 'modalities', 0, 'input_dim'], pick(rng, [65536, 40000, 2 ** 31])],
        [['model', 'encoder', 'hidden'], pick(rng, [[65536, 65536], [65536], [4096, 4096, 4096], [2 ** 40]])],
        [['model', 'fusion', 'hidden'], pick(rng, [[65536, 65536], [1e308]])],
        [['train', 'batch_size'], pick(rng, [1_000_000, 2 ** 60, 0, -64])],
        [['train', 'epochs'], pick(rng, [2 ** 60, 1e308, 0, -3])],
        [['model', 'fusion', 'type'], pick(rng, ['attention', 'attention', 'sum'])],
        [['model', 'fusion', 'd_model'], pick(rng, [65536, 4096, 7, 0])],
        [['model', 'fusion', 'heads'], pick(rng, [3, 256, 2 ** 20])],
        [['model', 'fusion', 'layers'], pick(rng, [16, 17])],
      ];
      for (const [path, v] of sets) if (rng.bernoulli(0.5)) doc.setIn(path, doc.createNode(v));
      doc.setIn(['dataset', 'modalities', 1, 'input_dim'], pick(rng, [16, 65536]));
      return { kind: 'huge sizes', text: doc.toString() };
    }
    case 6: {
      const lines = base.split('\n');
      const i = rng.int(lines.length);
      lines[i] = lines[i].replace(/:\s.*$/, `: ${pick(rng, TEXT_JUNK)}`);
      return { kind: 'text value junk', text: lines.join('\n') };
    }
    case 7: {
      const lines = base.split('\n');
      const i = rng.int(lines.length);
      lines.splice(i, 0, lines[i]); // duplicate a line: duplicate key (or list item)
      return { kind: 'duplicate line', text: lines.join('\n') };
    }
    case 8:
      return { kind: 'truncated', text: base.slice(0, rng.int(base.length)) };
    case 9: {
      const bytes = Array.from({ length: 1 + rng.int(400) }, () => String.fromCharCode(rng.int(256))).join('');
      return { kind: 'binary junk', text: rng.bernoulli(0.5) ? bytes : base.slice(0, rng.int(base.length)) + bytes };
    }
    case 10: {
      const depth = 50 + rng.int(5000);
      const t = rng.bernoulli(0.5) ? '['.repeat(depth) + ']'.repeat(depth) : '{a: '.repeat(depth) + '1' + '}'.repeat(depth);
      return { kind: 'deep nesting', text: rng.bernoulli(0.5) ? t : `${base}\nextra: ${t}\n` };
    }
    case 11: {
      // Billion laughs: each level repeats the previous ten times.
      const levels = 3 + rng.int(7);
      let t = 'l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n';
      for (let i = 1; i < levels; i++) t += `l${i}: &l${i} [${Array(10).fill(`*l${i - 1}`).join(', ')}]\n`;
      return { kind: 'alias bomb', text: rng.bernoulli(0.5) ? t : `${base}\n${t}` };
    }
    case 12:
      return { kind: 'empty', text: pick(rng, ['', '\n', '   \n\n', '# only a comment\n', '---\n', '~\n', 'null\n', '[]\n', '42\n', '"text"\n']) };
    default: {
      const long = pick(rng, ['a', 'é', '-', '🙂']).repeat(1000 + rng.int(200_000));
      const where = pick(rng, ['name', 'dataset.modalities.0.name', 'model.fusion.type']);
      doc.setIn(where.split('.').map((x) => (/^\d+$/.test(x) ? Number(x) : x)), long);
      return { kind: 'long string', text: doc.toString() };
    }
  }
}

export interface Verdict {
  ok: boolean; // the loader behaved: a Config, or a one-line UsageError naming the file
  outcome: 'accepted' | 'refused' | 'crash';
  message: string;
  ms: number;
}

/** Run one input through `load`; a refusal must be a UsageError of one line starting with `file`. */
export function judge(load: () => unknown, file: string, maxMs = 5000): Verdict {
  const t0 = Date.now();
  try {
    load();
    const ms = Date.now() - t0;
    return { ok: ms <= maxMs, outcome: 'accepted', message: '', ms };
  } catch (e) {
    const ms = Date.now() - t0;
    const message = e instanceof Error ? e.message : String(e);
    const oneLine = !message.includes('\n') && message.length <= 2000;
    if (!(e instanceof UsageError)) return { ok: false, outcome: 'crash', message: `${(e as Error)?.name}: ${message}`, ms };
    return { ok: oneLine && message.includes(file) && ms <= maxMs, outcome: 'refused', message, ms };
  }
}

export function judgeConfig(text: string, file = 'fuzz.yaml'): Verdict {
  return judge(() => parseConfigText(text, file), file);
}

// ---- folder datasets: a small valid folder, then one thing broken ----

const f32 = (shape: number[], data: ArrayLike<number>) => ({ dtype: 'f4' as const, shape, data: Float32Array.from(data) });
const i64 = (data: number[]) => ({ dtype: 'i8' as const, shape: [data.length], data: BigInt64Array.from(data.map(BigInt)) });

export const MANIFEST = `name: toy
task: multiclass
num_classes: 3
modalities:
  - name: a
    shape: [4]
  - name: b
    shape: [2, 2, 1]
splits:
  train: { labels: train_y.npy, x: { a: train_a.npy, b: train_b.npy } }
  val: { labels: val_y.npy, x: { a: val_a.npy, b: val_b.npy } }
  test: { labels: test_y.npy, x: { a: test_a.npy, b: test_b.npy } }
`;

export function makeFolder(root = mkdtempSync(join(tmpdir(), 'mmc-fuzz-folder-'))): string {
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'manifest.yaml'), MANIFEST);
  const r = new Rng(1);
  for (const [s, n] of [['train', 12], ['val', 6], ['test', 6]] as const) {
    writeNpy(join(root, `${s}_y.npy`), i64(Array.from({ length: n }, (_, i) => i % 3)));
    writeNpy(join(root, `${s}_a.npy`), f32([n, 4], r.normals(n * 4)));
    writeNpy(join(root, `${s}_b.npy`), f32([n, 2, 2, 1], r.normals(n * 4)));
  }
  return root;
}

/** Break one file of a valid folder; returns what was done. */
export function corruptFolder(rng: Rng, dir: string): string {
  const npys = readdirSync(dir).filter((f) => f.endsWith('.npy')).sort();
  const f = join(dir, pick(rng, npys));
  const op = rng.int(10);
  if (op === 9) {
    const t = mutateConfig(rng, MANIFEST);
    writeFileSync(join(dir, 'manifest.yaml'), t.text);
    return `manifest: ${t.kind}`;
  }
  const buf = Buffer.from(readFileSync(f));
  switch (op) {
    case 0:
      writeFileSync(f, buf.subarray(0, rng.int(buf.length)));
      return 'npy truncated';
    case 1:
      writeFileSync(f, Buffer.concat([buf, Buffer.alloc(1 + rng.int(64), 7)]));
      return 'npy trailing bytes';
    case 2: {
      for (let k = 0; k < 1 + rng.int(8); k++) buf[rng.int(Math.min(buf.length, 128))] = rng.int(256);
      writeFileSync(f, buf);
      return 'npy header bytes flipped';
    }
    case 3: {
      const header = buf.subarray(0, 128).toString('latin1');
      const repl = pick(rng, ["'descr': '<c8'", "'descr': '|O'", "'descr': '>f4'", "'descr': '<U3'", "'descr': [('a', '<f4')]", "'descr': '<f2'"]);
      writeFileSync(f, Buffer.concat([Buffer.from(header.replace(/'descr': '[^']*'/, repl), 'latin1'), buf.subarray(128)]));
      return 'npy dtype changed';
    }
    case 4: {
      const header = buf.subarray(0, 128).toString('latin1');
      const shape = pick(rng, ['(4294967296, 4294967296)', '(-1, 4)', '(1e3,)', '()', '(3,)', '(99999999999999999999,)', '(0, 4)', '(2, 2, 2, 2, 2, 2)']);
      writeFileSync(f, Buffer.concat([Buffer.from(header.replace(/'shape': \([^)]*\)/, `'shape': ${shape}`), 'latin1'), buf.subarray(128)]));
      return 'npy shape changed';
    }
    case 5:
      writeFileSync(f, Buffer.from(Array.from({ length: rng.int(300) }, () => rng.int(256))));
      return 'npy replaced by junk';
    case 6:
      writeNpy(f, f32([3], [NaN, Infinity, -Infinity]));
      return 'npy wrong shape with non-finite values';
    case 7:
      writeNpy(f, i64([7, -1, 3, 2 ** 40]));
      return 'npy labels out of range';
    default:
      writeFileSync(f, '');
      return 'npy empty';
  }
}

export function judgeFolder(dir: string): Verdict {
  return judge(() => loadFolder({ name: 'folder', path: dir, standardize: 'feature' }), dir);
}
