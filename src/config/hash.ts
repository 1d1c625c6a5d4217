// The config hash that run.json records (config_hash) and reports show: the first 12 hex digits of
// the SHA-256 of the validated config's JSON.
import { createHash } from 'node:crypto';
import type { Config } from './schema.js';

export function configHash(c: Config): string {
  return createHash('sha256').update(JSON.stringify(c)).digest('hex').slice(0, 12);
}
