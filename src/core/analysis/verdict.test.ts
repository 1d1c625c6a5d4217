import assert from 'node:assert/strict';
import { test } from 'node:test';
import { verdicts } from './verdict.js';

test('verdicts from Shapley shares of the gain over nothing present', () => {
  const v = verdicts({ image: 0.57, audio: 0.03 }, 0.9, 0.3); // shares 0.95, 0.05 (< 0.2/2)
  assert.deepEqual([v.image.verdict, v.audio.verdict], ['dominant', 'collapsed']);
  assert.ok(Math.abs(v.audio.share - 0.05) < 1e-12);
  const e = verdicts({ a: 0.3, b: 0.3 }, 0.9, 0.3);
  assert.deepEqual([e.a.verdict, e.b.verdict], ['used', 'used']);
  // Three modalities: dominant above max(0.5, 1.5/3) = 0.5.
  const t = verdicts({ a: 0.33, b: 0.15, c: 0.12 }, 0.9, 0.3);
  assert.deepEqual([t.a.verdict, t.b.verdict, t.c.verdict], ['dominant', 'used', 'used']);
  assert.equal(verdicts({ a: 0.005, b: 0.005 }, 0.34, 0.33).a.verdict, 'undetermined');
});
