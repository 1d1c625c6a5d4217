// `--set a.b=c`: write one value into the YAML document before validation, typed by the schema
// (a string key keeps "1e-3" as text, a number key reads it as a number, lists take [a, b]).
import { isMap, isScalar, isSeq, parse, type Document } from 'yaml';
import { ConfigError } from '../errors.js';
import { leafKind } from './schema-walk.js';

export interface Override {
  raw: string;
  path: (string | number)[];
  value: unknown;
}

export function parseOverride(raw: string): Override {
  const eq = raw.indexOf('=');
  if (eq <= 0) throw new ConfigError(`--set ${raw}: expected key=value, e.g. --set train.epochs=5`);
  const keyText = raw.slice(0, eq).trim();
  const valueText = raw.slice(eq + 1);
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(keyText)) throw new ConfigError(`--set ${raw}: "${keyText}" is not a dotted key path`);
  const path = keyText.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  return { raw, path, value: typeValue(raw, path, valueText) };
}

function typeValue(raw: string, path: (string | number)[], text: string): unknown {
  const kind = leafKind(path);
  if (kind === 'string') return text;
  let v: unknown;
  try {
    v = parse(text);
  } catch {
    throw new ConfigError(`--set ${raw}: cannot read "${text}" as a YAML value`);
  }
  if (kind === 'number' && typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return v ?? (text.trim() === '' ? null : v);
}

/** Write the override into the document. A list item may be named by its `name` key. */
export function applyOverride(doc: Document, o: Override): void {
  const resolved: (string | number)[] = [];
  let node: unknown = doc.contents;
  for (let i = 0; i < o.path.length; i++) {
    let part = o.path[i];
    if (isSeq(node) && typeof part === 'string') {
      const idx = node.items.findIndex((it) => isMap(it) && it.get('name') === part);
      if (idx < 0) throw new ConfigError(`--set ${o.raw}: no list item named "${part}" at ${resolved.join('.') || '(root)'}`);
      part = idx;
    }
    if (isSeq(node) && typeof part === 'number' && part >= node.items.length) {
      throw new ConfigError(`--set ${o.raw}: ${resolved.join('.')} has ${node.items.length} items, no index ${part}`);
    }
    resolved.push(part);
    if (i < o.path.length - 1) {
      const next = doc.getIn(resolved, true);
      if (next === undefined || (isScalar(next) && next.value === null)) {
        doc.setIn(resolved, doc.createNode({}));
        node = doc.getIn(resolved, true);
      } else node = next;
    }
  }
  doc.setIn(resolved, doc.createNode(o.value));
  o.path = resolved;
}
