// Walk the zod schema by key path: used to type --set values and to suggest misspelt keys.
import { configSchema } from './schema.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySchema = any;

export function unwrap(s: AnySchema): AnySchema {
  while (s && s.def && ['default', 'prefault', 'optional', 'nullable', 'pipe'].includes(s.def.type)) {
    s = s.def.type === 'pipe' ? s.def.in : s.def.innerType;
  }
  return s;
}

/** A discriminated union's options, unwrapped (datasets); [s] for anything else. */
function options(s: AnySchema): AnySchema[] {
  return s?.def?.type === 'union' ? s.def.options.map(unwrap) : [s];
}

/** The schema at a key path, or null when the path leaves the schema. */
export function schemaAt(path: (string | number)[], root: AnySchema = configSchema): AnySchema | null {
  let s: AnySchema = root;
  for (const part of path) {
    // In a union (the dataset kinds), the first option that has the key.
    const o = options(unwrap(s)).find((x) => (x?.def?.type === 'object' && x.def.shape[String(part)]) || x?.def?.type === 'array');
    if (o?.def?.type === 'object') s = o.def.shape[String(part)];
    else if (o?.def?.type === 'array') s = o.def.element;
    else return null;
    if (!s) return null;
  }
  return unwrap(s);
}

export function knownKeysAt(path: (string | number)[], root: AnySchema = configSchema): string[] | null {
  const objs = options(schemaAt(path, root)).filter((x) => x?.def?.type === 'object');
  return objs.length ? [...new Set(objs.flatMap((x) => Object.keys(x.def.shape)))] : null;
}

/** 'string' for strings and string enums/literals, 'number', or 'other'. */
export function leafKind(path: (string | number)[]): 'string' | 'number' | 'other' {
  let s = schemaAt(path);
  if (s?.def?.type === 'union') s = options(s).find((x) => ['string', 'number'].includes(x?.def?.type)) ?? s;
  const t = s?.def?.type;
  if (t === 'string') return 'string';
  if (t === 'enum') return Object.values(s.def.entries).every((v) => typeof v === 'string') ? 'string' : 'other';
  if (t === 'literal') return s.def.values.every((v: unknown) => typeof v === 'string') ? 'string' : 'other';
  if (t === 'number') return 'number';
  return 'other';
}
