// Loading decisions of the native backend that need no addon: which OPENBLAS_CORETYPE to run with,
// and when the native tests skip.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseCoretype, NativeUnavailable, type CpuFeatures } from './addon.js';
import { nativeSkipReason } from './test-gate.js';

const AVX2: CpuFeatures = { avx2: true, fma: true, avx512f: false, avx512bw: false, avx512vl: false, avx512dq: false };
const AVX512: CpuFeatures = { ...AVX2, avx512f: true, avx512bw: true, avx512vl: true, avx512dq: true };

test("chooseCoretype: the user's choice stands unless it asks for AVX-512 kernels the CPU lacks", () => {
  assert.deepEqual(chooseCoretype({ OPENBLAS_CORETYPE: 'Haswell' }, AVX2), { value: 'Haswell', source: 'environment' });
  assert.deepEqual(chooseCoretype({ OPENBLAS_CORETYPE: 'Zen' }, AVX512), { value: 'Zen', source: 'environment' });
  assert.deepEqual(chooseCoretype({ OPENBLAS_CORETYPE: 'SkylakeX' }, AVX512), { value: 'SkylakeX', source: 'environment' });
  for (const core of ['SkylakeX', 'skylakex', 'COOPERLAKE', 'SapphireRapids']) {
    const c = chooseCoretype({ OPENBLAS_CORETYPE: core }, AVX2);
    assert.equal(c.value, undefined, core);
    assert.equal(c.source, 'openblas');
    assert.equal(c.note, `OPENBLAS_CORETYPE=${core} asks for AVX-512 kernels, which this CPU lacks; ignored`);
  }
  // AVX-512F alone is not enough for OpenBLAS's SkylakeX kernels (they use BW, VL and DQ too).
  assert.equal(chooseCoretype({ OPENBLAS_CORETYPE: 'SkylakeX' }, { ...AVX2, avx512f: true }).value, undefined);
});

test('chooseCoretype: unset, SkylakeX on a CPU with AVX-512 (F, BW, VL, DQ), nothing on AVX2 only', () => {
  assert.deepEqual(chooseCoretype({}, AVX512), { value: 'SkylakeX', source: 'mmc' });
  assert.deepEqual(chooseCoretype({ OPENBLAS_CORETYPE: '' }, AVX512), { value: 'SkylakeX', source: 'mmc' });
  assert.deepEqual(chooseCoretype({}, AVX2), { value: undefined, source: 'openblas' });
  assert.deepEqual(chooseCoretype({}, { ...AVX512, avx512dq: false }), { value: undefined, source: 'openblas' });
});

test('nativeSkipReason: skip only when native is unavailable and MMC_REQUIRE_NATIVE is not 1', () => {
  const missing = () => {
    throw new NativeUnavailable('no addon (test)');
  };
  const present = (() => ({})) as unknown as Parameters<typeof nativeSkipReason>[1];
  assert.equal(nativeSkipReason({}, present), undefined);
  assert.equal(nativeSkipReason({ MMC_REQUIRE_NATIVE: '1' }, present), undefined);
  assert.match(nativeSkipReason({}, missing) ?? '', /^native backend unavailable \(no addon \(test\)\); set MMC_REQUIRE_NATIVE=1/);
  assert.match(nativeSkipReason({ MMC_REQUIRE_NATIVE: '0' }, missing) ?? '', /unavailable/);
  assert.equal(nativeSkipReason({ MMC_REQUIRE_NATIVE: '1' }, missing), undefined, 'required: the tests run, and fail');
  // Any other error is a bug, not a reason to skip.
  assert.throws(() => nativeSkipReason({}, () => {
    throw new TypeError('boom');
  }), /boom/);
});
