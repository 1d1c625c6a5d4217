// Walk the zod schema by key path: used to type --set values and to suggest misspelt keys.
import { configSchema } from './schema.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnySchema = any;

export function unwrap(s: AnySchema): AnySchema {
  while (s && s.def && ['default', 'prefault', 'optional', 'nullable', 'pipe'].includes(s.def.type)) {
    s = s.def.type === 'pipe' ? s.def.in : s.def.innerType;
  }
  if (s?.def?.type === 'union') return unwrap(s.def.options[0]); // discriminated unions: first option's shape
  return s;
}

/** The schema at a key path, or null when the path leaves the schema. */
export function schemaAt(path: (string | number)[]): AnySchema | null {
  let s: AnySchema = configSchema;
  for (const part of path) {
    s = unwrap(s);
    if (s?.def?.type === 'object') s = s.def.shape[String(part)];
    else if (s?.def?.type === 'array') s = s.def.element;
    else return null;
    if (!s) return null;
  }
  return unwrap(s);
}

export function knownKeysAt(path: (string | number)[]): string[] | null {
  const s = schemaAt(path);
  return s?.def?.type === 'object' ? Object.keys(s.def.shape) : null;
}

/** 'string' for strings and string enums/literals, 'number', or 'other'. */
export function leafKind(path: (string | number)[]): 'string' | 'number' | 'other' {
  const s = schemaAt(path);
  const t = s?.def?.type;
  if (t === 'string') return 'string';
  if (t === 'enum') return Object.values(s.def.entries).every((v) => typeof v === 'string') ? 'string' : 'other';
  if (t === 'literal') return s.def.values.every((v: unknown) => typeof v === 'string') ? 'string' : 'other';
  if (t === 'number') return 'number';
  return 'other';
}
