import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DataError, UsageError } from '../errors.js';
import { encodeNpy, NPY_DTYPES, parseNpy, readNpy, toFloat32, writeNpy, type NpyArray, type NpyDtype } from './npy.js';
import { encodeNpz, parseNpz, readNpz, writeNpz } from './npz.js';
import { crc32, encodeZip } from './zip.js';

// Written by real NumPy: scripts/fixtures/make_npy_fixtures.py (the values below are repeated from it).
const FIX = fileURLToPath(new URL('../../../test/fixtures/npy/', import.meta.url));
const fix = (name: string) => join(FIX, name);

/** A .npy file from a literal header dict and raw data bytes (for corrupt and unusual inputs). */
function npy(dict: string, data: Uint8Array | number[] = [], major = 1): Uint8Array {
  const pre = major === 1 ? 10 : 12;
  const text = Buffer.from(dict + '\n', major === 3 ? 'utf8' : 'latin1');
  const head = Buffer.alloc(pre);
  Buffer.from('\x93NUMPY', 'latin1').copy(head);
  head[6] = major;
  if (major === 1) head.writeUInt16LE(text.length, 8);
  else head.writeUInt32LE(text.length, 8);
  return Buffer.concat([head, text, Buffer.from(data)]);
}

const SAMPLES: Record<NpyDtype, (number | bigint)[]> = {
  f4: [0, -1.5, 3.4028234663852886e38, Math.fround(0.1), -0, Infinity],
  f8: [0, -1.5, Number.MAX_VALUE, 0.1, Number.MIN_VALUE, -Infinity],
  i1: [0, -128, 127, -1, 5, 6],
  i2: [0, -32768, 32767, -1, 5, 6],
  i4: [0, -(2 ** 31), 2 ** 31 - 1, -1, 5, 6],
  i8: [0n, -(2n ** 63n), 2n ** 63n - 1n, -1n, 5n, 6n],
  u1: [0, 255, 1, 2, 3, 4],
  u2: [0, 65535, 1, 2, 3, 4],
  u4: [0, 2 ** 32 - 1, 1, 2, 3, 4],
  u8: [0n, 2n ** 64n - 1n, 1n, 2n, 3n, 4n],
  b1: [0, 1, 1, 0, 1, 0],
};

const SHAPES = [[], [0], [2, 0, 3], [6], [2, 3], [3, 1, 2]];

test('every dtype round-trips through encodeNpy/parseNpy, in every shape including 0-d and empty', () => {
  for (const dtype of NPY_DTYPES) {
    for (const shape of SHAPES) {
      const n = shape.reduce((p, k) => p * k, 1);
      const data = SAMPLES[dtype].slice(0, n) as number[];
      const buf = encodeNpy({ dtype, shape, data });
      assert.equal((10 + (buf[8] | (buf[9] << 8))) % 64, 0, 'data starts 64-byte aligned, as numpy writes it');
      const back = parseNpy(buf, 'x.npy');
      assert.equal(back.dtype, dtype);
      assert.deepEqual(back.shape, shape);
      assert.deepEqual([...back.data], [...data], `${dtype} ${JSON.stringify(shape)}`);
      assert.deepEqual(parseNpy(encodeNpy(back), 'y.npy'), back, 'a decoded array re-encodes to itself');
    }
  }
});

test('what numpy wrote and what we encode are byte-identical for C-order little-endian arrays', () => {
  const same = (file: string, a: Parameters<typeof encodeNpy>[0]) =>
    assert.deepEqual(Buffer.from(encodeNpy(a)), readFileSync(fix(file)), file);
  same('f4_c.npy', { dtype: 'f4', shape: [2, 3], data: [0.5, -1.5, 0.1, 3.0, 1e30, -0] });
  same('u1_3d.npy', { dtype: 'u1', shape: [2, 3, 4], data: Array.from({ length: 24 }, (_, i) => i) });
  same('b1.npy', { dtype: 'b1', shape: [3], data: [true, false, true] });
  same('i8.npy', { dtype: 'i8', shape: [5], data: [-(2n ** 63n), -1n, 0n, 2n ** 53n + 1n, 2n ** 63n - 1n] });
  same('f8_scalar.npy', { dtype: 'f8', shape: [], data: [3.25] });
  same('f4_empty.npy', { dtype: 'f4', shape: [0, 3], data: [] });
});

test('reads the .npy files numpy wrote: values as numpy had them', () => {
  const f4 = readNpy(fix('f4_c.npy'));
  assert.equal(f4.dtype, 'f4');
  assert.deepEqual(f4.shape, [2, 3]);
  assert.ok(f4.data instanceof Float32Array);
  assert.deepEqual([...f4.data], [0.5, -1.5, Math.fround(0.1), 3, Math.fround(1e30), -0]);

  // Stored column-major (bytes 1 4 2 5 3 6); we hand back row-major.
  assert.deepEqual(readNpy(fix('f8_fortran.npy')), { dtype: 'f8', shape: [2, 3], data: new Float64Array([1, 2, 3, 4, 5, 6]) });
  assert.deepEqual(readNpy(fix('i4_big.npy')), { dtype: 'i4', shape: [4], data: new Int32Array([1, -2, 65536, 2 ** 31 - 1]) });
  assert.deepEqual(readNpy(fix('u1_3d.npy')), {
    dtype: 'u1',
    shape: [2, 3, 4],
    data: new Uint8Array(Array.from({ length: 24 }, (_, i) => i)),
  });
  assert.deepEqual(readNpy(fix('b1.npy')), { dtype: 'b1', shape: [3], data: new Uint8Array([1, 0, 1]) });
  assert.deepEqual(readNpy(fix('i8.npy')), {
    dtype: 'i8',
    shape: [5],
    data: new BigInt64Array([-(2n ** 63n), -1n, 0n, 2n ** 53n + 1n, 2n ** 63n - 1n]),
  });
  assert.deepEqual(readNpy(fix('f8_scalar.npy')), { dtype: 'f8', shape: [], data: new Float64Array([3.25]) });
  assert.deepEqual(readNpy(fix('f4_empty.npy')), { dtype: 'f4', shape: [0, 3], data: new Float32Array(0) });
  assert.equal(readFileSync(fix('v2.npy'))[6], 2, 'the fixture really is version 2.0');
  assert.deepEqual(readNpy(fix('v2.npy')), { dtype: 'f4', shape: [2], data: new Float32Array([1.5, 2.5]) });
});

test('reads the .npz files np.savez and np.savez_compressed wrote', () => {
  for (const file of ['savez.npz', 'savez_compressed.npz']) {
    assert.deepEqual(readNpz(fix(file)), {
      x: { dtype: 'i2', shape: [2, 2], data: new Int16Array([1, 2, 3, 4]) },
      y: { dtype: 'f8', shape: [1], data: new Float64Array([7.5]) },
    }, file);
  }
});

test('fortran_order arrays of 3 dimensions come back in C order', () => {
  const shape = [2, 3, 4];
  const f = new Int16Array(24);
  // Fortran offset of (i, j, k) is i + 2j + 6k; store the C-order index there.
  for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) f[i + 2 * j + 6 * k] = i * 12 + j * 4 + k;
  const buf = npy(`{'descr': '<i2', 'fortran_order': True, 'shape': (2, 3, 4), }`, [...new Uint8Array(f.buffer)]);
  const a = parseNpy(buf, 'f.npy');
  assert.deepEqual(a.shape, shape);
  assert.deepEqual([...a.data], Array.from({ length: 24 }, (_, i) => i));
});

test('big-endian files of every multi-byte dtype are swapped into native order; header versions 2.0 and 3.0 read', () => {
  for (const dtype of NPY_DTYPES) {
    const le = encodeNpy({ dtype, shape: [6], data: SAMPLES[dtype] as number[] });
    const size = parseNpy(le, 'le.npy').data.BYTES_PER_ELEMENT;
    if (size === 1) continue;
    const be = Buffer.from(le.subarray(le.length - 6 * size));
    for (let i = 0; i < be.length; i += size) be.subarray(i, i + size).reverse();
    const back = parseNpy(npy(`{'descr': '>${dtype}', 'fortran_order': False, 'shape': (6,)}`, [...be]), 'be.npy');
    assert.deepEqual([...back.data], [...parseNpy(le, 'le.npy').data], dtype);
  }
  for (const major of [2, 3]) {
    const a = parseNpy(npy(`{"descr": "|u1", "fortran_order": False, "shape": (2,)}`, [7, 8], major), 'v.npy');
    assert.deepEqual(a, { dtype: 'u1', shape: [2], data: new Uint8Array([7, 8]) });
  }
});

test('writeNpy/readNpy and writeNpz/readNpz go through the file system atomically', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mmc-npy-'));
  try {
    const a: NpyArray = { dtype: 'f4', shape: [2], data: new Float32Array([1, 2]) };
    writeNpy(join(dir, 'a.npy'), a);
    assert.deepEqual(readNpy(join(dir, 'a.npy')), a);
    for (const compress of [false, true]) {
      const arrays: Record<string, NpyArray> = { a, b: { dtype: 'u8', shape: [], data: new BigUint64Array([9n]) } };
      writeNpz(join(dir, 'z.npz'), arrays, { compress });
      assert.deepEqual(readNpz(join(dir, 'z.npz')), arrays);
    }
    assert.deepEqual(readdirSync(dir).sort(), ['a.npy', 'z.npz'], 'no temporary files left behind');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('encodeNpz compresses repetitive arrays and round-trips', () => {
  const big = { dtype: 'f4' as const, shape: [1000], data: new Float32Array(1000) };
  const stored = encodeNpz({ big });
  const deflated = encodeNpz({ big }, { compress: true });
  assert.ok(deflated.length < stored.length / 10);
  assert.deepEqual(parseNpz(deflated, 'z.npz'), parseNpz(stored, 'z.npz'));
});

test('crc32 matches the standard check value, with and without zlib.crc32', () => {
  const data = Buffer.from('123456789');
  assert.equal(crc32(data, false), 0xcbf43926);
  assert.equal(crc32(data), 0xcbf43926);
  const rnd = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7919) & 255);
  assert.equal(crc32(rnd, false), crc32(rnd));
});

test('toFloat32 converts every numeric dtype, and refuses values it would change beyond recognition', () => {
  const f4 = new Float32Array([1, 2]);
  assert.equal(toFloat32({ dtype: 'f4', shape: [2], data: f4 }, 'a'), f4, 'float32 data is passed through');
  for (const dtype of NPY_DTYPES) {
    const a = parseNpy(encodeNpy({ dtype, shape: [3], data: SAMPLES[dtype].slice(3, 6) as number[] }), 'a');
    const want = Float32Array.from([...a.data].map(Number));
    assert.deepEqual(toFloat32(a, 'a'), want, dtype);
  }
  assert.deepEqual(toFloat32({ dtype: 'i8', shape: [2], data: new BigInt64Array([-(2n ** 53n), 2n ** 53n]) }, 'a'), new Float32Array([-(2 ** 53), 2 ** 53]));
  assert.throws(() => toFloat32(readNpy(fix('i8.npy')), 'i8.npy'), /^DataError: i8\.npy: value -9223372036854775808 at index 0 \(dtype i8\) is beyond ±2\^53/);
  assert.throws(() => toFloat32({ dtype: 'f8', shape: [1], data: new Float64Array([1e300]) }, 'big.npy'), /big\.npy: value 1e\+300 at index 0 \(dtype f8\) overflows float32/);
});

// ---- errors: one line, DataError (a UsageError), starting with the file's path ----

function fails(fn: () => unknown, re: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError && e instanceof UsageError, `not a DataError: ${e}`);
    assert.doesNotMatch(e.message, /\n/);
    assert.match(e.message, re);
    return true;
  });
}

const GOOD = `{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }`;

test('errors: not .npy, unsupported version, truncated or trailing data', () => {
  const valid = readFileSync(fix('f4_c.npy'));
  fails(() => parseNpy(Buffer.from('PK\x03\x04 not numpy at all'), 'd/x.npy'), /^d\/x\.npy: not a \.npy file \(bad magic\)$/);
  fails(() => parseNpy(new Uint8Array(0), 'e.npy'), /^e\.npy: not a \.npy file \(bad magic\)$/);
  const v4 = Buffer.from(valid);
  v4[6] = 4;
  fails(() => parseNpy(v4, 'v4.npy'), /^v4\.npy: unsupported \.npy format version 4\.0 \(supported: 1\.0, 2\.0, 3\.0\)$/);
  fails(() => parseNpy(valid.subarray(0, 50), 'h.npy'), /^h\.npy: truncated \.npy header \(expected 128 bytes, file is 50\)$/);
  fails(() => parseNpy(valid.subarray(0, 9), 'h.npy'), /^h\.npy: truncated \.npy header \(file is 9 bytes\)$/);
  const img = encodeNpy({ dtype: 'f4', shape: [28, 28], data: new Float32Array(784) });
  fails(() => parseNpy(img.subarray(0, 128 + 1000), 'img.npy'), /^img\.npy: truncated data: expected 3136 bytes of data, found 1000$/);
  fails(() => parseNpy(Buffer.concat([img, Buffer.from([0, 0])]), 'img.npy'), /^img\.npy: trailing bytes: expected 3136 bytes of data, found 3138$/);
});

test('errors: malformed headers name the field or the problem', () => {
  const cases: [string, RegExp][] = [
    [`{'descr': '<f4', 'fortran_order': False}`, /malformed \.npy header: missing 'shape'$/],
    [`{'fortran_order': False, 'shape': ()}`, /malformed \.npy header: missing 'descr'$/],
    [`{'descr': '<f4', 'fortran_order': 0, 'shape': ()}`, /malformed \.npy header: 'fortran_order' is not True or False$/],
    [`{'descr': '<f4', 'fortran_order': False, 'shape': 3}`, /malformed \.npy header: 'shape' is not a tuple$/],
    [`{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 3)}`, /malformed \.npy header: 'shape' entry -1 is not a non-negative integer$/],
    [`{'descr': '<f4', 'fortran_order': False, 'shape': (2.5,)}`, /malformed \.npy header: 'shape' entry 2\.5 is not a non-negative integer$/],
    [`{'descr': '<f4', 'fortran_order': False, 'shape': ('a',)}`, /malformed \.npy header: 'shape' entry "a" is not a non-negative integer$/],
    [`{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}`, /malformed \.npy header: unexpected key 'extra'$/],
    [`@@@ junk`, /malformed \.npy header: unexpected '@' at offset 0$/],
    [`{'descr': '<f4', 'fortran_order': False, 'shape': (2,`, /malformed \.npy header: unexpected end at offset \d+$/],
    [`{'descr: '<f4'}`, /malformed \.npy header: expected ':' at offset \d+$/],
    [`${GOOD} junk`, /malformed \.npy header: unexpected text after the dict/],
    [`['descr', '<f4']`, /malformed \.npy header: not a dict$/],
    [`{'descr': __import__('os')}`, /malformed \.npy header: unexpected '_'/],
  ];
  for (const [dict, re] of cases) fails(() => parseNpy(npy(dict, new Uint8Array(8)), 'm.npy'), new RegExp('^m\\.npy: ' + re.source));
});

test('errors: unsupported dtypes are named', () => {
  const dt = (descr: string) => npy(`{'descr': ${descr}, 'fortran_order': False, 'shape': (1,), }`, new Uint8Array(16));
  fails(() => parseNpy(dt(`'|O'`), 'o.npy'), /^o\.npy: unsupported dtype '\|O' \(object\); supported: f4, f8, i1, i2, i4, i8, u1, u2, u4, u8, b1$/);
  fails(() => parseNpy(dt(`'<U5'`), 'u.npy'), /^u\.npy: unsupported dtype '<U5' \(unicode string\)/);
  fails(() => parseNpy(dt(`'|S3'`), 's.npy'), /^s\.npy: unsupported dtype '\|S3' \(byte string\)/);
  fails(() => parseNpy(dt(`'<c16'`), 'c.npy'), /^c\.npy: unsupported dtype '<c16' \(complex\)/);
  fails(() => parseNpy(dt(`'<f2'`), 'h.npy'), /^h\.npy: unsupported dtype '<f2' \(float of this size\)/);
  fails(() => parseNpy(dt(`'<M8[ns]'`), 'm.npy'), /^m\.npy: unsupported dtype '<M8\[ns\]' \(datetime\)/);
  fails(() => parseNpy(dt(`'|f4'`), 'b.npy'), /^b\.npy: unsupported dtype '\|f4' \(no byte order for a 4-byte type\)$/);
  fails(() => parseNpy(dt(`'<constructor'`), 'p.npy'), /^p\.npy: unsupported dtype '<constructor'/);
  fails(() => parseNpy(dt(`[('a', '<f4'), ('b', '<i4')]`), 'st.npy'), /^st\.npy: unsupported dtype \[\["a","<f4"\],\["b","<i4"\]\] \(structured arrays are not supported\)$/);
});

test('errors: missing files, bad .npz archives', () => {
  fails(() => readNpy('/nonexistent/dir/a.npy'), /^\/nonexistent\/dir\/a\.npy: file not found$/);
  fails(() => readNpz('/nonexistent/z.npz'), /^\/nonexistent\/z\.npz: file not found$/);
  fails(() => readNpy(FIX), /: is a directory, not a file$/);
  fails(() => parseNpz(readFileSync(fix('f4_c.npy')), 'n.npz'), /^n\.npz: not a zip \(\.npz\) file: no end-of-central-directory record$/);

  const a = { dtype: 'u1' as const, shape: [4], data: [1, 2, 3, 4] };
  const z = Buffer.from(encodeNpz({ a }));
  const bad = Buffer.from(z);
  bad[30 + 'a.npy'.length + 128] ^= 0xff; // first data byte of the stored entry
  fails(() => parseNpz(bad, 'crc.npz'), /^crc\.npz: entry 'a\.npy': CRC-32 mismatch \(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)$/);

  const txt = encodeZip([{ name: 'readme.txt', data: Buffer.from('hi') }]);
  fails(() => parseNpz(txt, 't.npz'), /^t\.npz: entry 'readme\.txt' is not a \.npy file$/);
  const dup = encodeZip([{ name: 'a.npy', data: encodeNpy(a) }, { name: 'a.npy', data: encodeNpy(a) }]);
  fails(() => parseNpz(dup, 'd.npz'), /^d\.npz: duplicate entry 'a\.npy'$/);
  const inner = encodeZip([{ name: 'a.npy', data: Buffer.from('not numpy') }]);
  fails(() => parseNpz(inner, 'i.npz'), /^i\.npz: a\.npy: not a \.npy file \(bad magic\)$/);

  const zip64 = Buffer.from(z);
  zip64.writeUInt32LE(0xffffffff, z.length - 22 + 16); // central directory offset → "see the zip64 record"
  fails(() => parseNpz(zip64, 'big.npz'), /^big\.npz: zip64 archives are not supported/);
  const method = Buffer.from(z);
  method.writeUInt16LE(12, z.length - 22 - 46 - 5 + 10); // bzip2, in the central record
  fails(() => parseNpz(method, 'bz.npz'), /^bz\.npz: entry 'a\.npy': unsupported compression method 12/);
  fails(() => parseNpz(z.subarray(0, z.length - 40), 'cut.npz'), /^cut\.npz: not a zip \(\.npz\) file/);
  const deflated = Buffer.from(encodeNpz({ a }, { compress: true }));
  deflated.fill(0xff, 35, 35 + deflated.readUInt32LE(18)); // the compressed body: block type 3 is invalid
  fails(() => parseNpz(deflated, 'x.npz'), /^x\.npz: entry 'a\.npy': corrupt deflate data \(.+\)$/);
});

test('encodeNpy refuses data it would have to change', () => {
  assert.throws(() => encodeNpy({ dtype: 'u1', shape: [1], data: [256] }), /^UsageError: encodeNpy: value 256 at index 0 does not fit dtype u1$/);
  assert.throws(() => encodeNpy({ dtype: 'i4', shape: [1], data: [1.5] }), /value 1\.5 at index 0 does not fit dtype i4/);
  assert.throws(() => encodeNpy({ dtype: 'f4', shape: [2, 2], data: [1, 2, 3] }), /shape \(2, 2\) needs 4 elements, data has 3/);
  assert.throws(() => encodeNpy({ dtype: 'f4', shape: [-1], data: [] }), /shape entry -1 is not a non-negative integer/);
  assert.throws(() => encodeNpy({ dtype: 'c8' as NpyDtype, shape: [], data: [0] }), /unsupported dtype 'c8'/);
});
