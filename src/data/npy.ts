// NumPy .npy reader and writer (format versions 1.0–3.0), no dependencies. Reading returns C-order,
// native-endian typed arrays; writing always produces little-endian C-order files numpy reads.
// .npz archives: see npz.ts. Every problem with an input file is a DataError whose message starts
// with the file's path (or the label the caller passed).
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { DataError, UsageError } from '../errors.js';
import { writeFileAtomic } from '../run/atomic.js';
import { formatHeader, parseHeaderDict } from './npy-header.js';

export type NpyDtype = 'f4' | 'f8' | 'i1' | 'i2' | 'i4' | 'i8' | 'u1' | 'u2' | 'u4' | 'u8' | 'b1';

export type NpyData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** A decoded array: `data` holds prod(shape) elements in C (row-major) order. b1 is a Uint8Array of 0/1. */
export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  data: NpyData;
}

/** What the encoder accepts: any NpyArray, or plain arrays (numbers, bigints for i8/u8, booleans for b1). */
export interface NpyInput {
  dtype: NpyDtype;
  shape: number[];
  data: ArrayLike<number> | ArrayLike<bigint> | ArrayLike<boolean>;
}

type Ctor = { new (n: number): NpyData; new (b: ArrayBuffer): NpyData; BYTES_PER_ELEMENT: number };
const CTORS: Record<NpyDtype, Ctor> = {
  f4: Float32Array,
  f8: Float64Array,
  i1: Int8Array,
  i2: Int16Array,
  i4: Int32Array,
  i8: BigInt64Array,
  u1: Uint8Array,
  u2: Uint16Array,
  u4: Uint32Array,
  u8: BigUint64Array,
  b1: Uint8Array,
};
export const NPY_DTYPES = Object.keys(CTORS) as NpyDtype[];

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const HOST_LE = endianness() === 'LE';

const KIND_NAMES: Record<string, string> = {
  O: 'object',
  U: 'unicode string',
  S: 'byte string',
  a: 'byte string',
  V: 'raw/void',
  c: 'complex',
  M: 'datetime',
  m: 'timedelta',
  f: 'float of this size',
  i: 'int of this size',
  u: 'unsigned int of this size',
};

/** descr (e.g. '<f4', '>i4', '|u1') → dtype and whether bytes must be swapped into host order. */
function parseDescr(descr: unknown, label: string): { dtype: NpyDtype; swap: boolean } {
  if (typeof descr !== 'string') {
    throw new DataError(label, `unsupported dtype ${JSON.stringify(descr)} (structured arrays are not supported)`);
  }
  const m = /^([<>|=])(.+)$/.exec(descr);
  const code = m?.[2] ?? descr;
  if (!m || !Object.hasOwn(CTORS, code)) {
    const kind = KIND_NAMES[code[0]];
    throw new DataError(label, `unsupported dtype '${descr}'${kind ? ` (${kind})` : ''}; supported: ${NPY_DTYPES.join(', ')}`);
  }
  const dtype = code as NpyDtype;
  const size = CTORS[dtype].BYTES_PER_ELEMENT;
  if (m[1] === '|' && size > 1) throw new DataError(label, `unsupported dtype '${descr}' (no byte order for a ${size}-byte type)`);
  const little = m[1] === '<' || (m[1] === '=' && HOST_LE);
  return { dtype, swap: size > 1 && m[1] !== '|' && little !== HOST_LE };
}

function swapBytes(bytes: Uint8Array, size: number): void {
  for (let i = 0; i < bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

function product(shape: number[]): number {
  return shape.reduce((p, n) => p * n, 1);
}

/** Fortran (column-major) element order → C (row-major), same shape. */
function fortranToC(src: NpyData, shape: number[]): NpyData {
  const out = new (src.constructor as Ctor)(src.length);
  const nd = shape.length;
  const fStride = shape.map((_, k) => product(shape.slice(0, k)));
  const idx = new Array<number>(nd).fill(0);
  let off = 0;
  const s = src as unknown as ArrayLike<unknown>;
  const o = out as unknown as { [i: number]: unknown };
  for (let c = 0; c < src.length; c++) {
    o[c] = s[off];
    // Advance the C-order multi-index (last axis fastest), keeping the Fortran offset in step.
    for (let k = nd - 1; k >= 0; k--) {
      if (++idx[k] < shape[k]) {
        off += fStride[k];
        break;
      }
      off -= fStride[k] * (shape[k] - 1);
      idx[k] = 0;
    }
  }
  return out;
}

/** Decode a whole .npy file held in memory. `label` (normally the path) starts every error message. */
export function parseNpy(buf: Uint8Array, label: string): NpyArray {
  if (buf.length < 8 || MAGIC.some((b, i) => buf[i] !== b)) throw new DataError(label, 'not a .npy file (bad magic)');
  const [major, minor] = [buf[6], buf[7]];
  if (!(minor === 0 && major >= 1 && major <= 3)) {
    throw new DataError(label, `unsupported .npy format version ${major}.${minor} (supported: 1.0, 2.0, 3.0)`);
  }
  const pre = major === 1 ? 10 : 12;
  if (buf.length < pre) throw new DataError(label, `truncated .npy header (file is ${buf.length} bytes)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const hlen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (pre + hlen > buf.length) {
    throw new DataError(label, `truncated .npy header (expected ${pre + hlen} bytes, file is ${buf.length})`);
  }
  // Version 3.0 differs from 2.0 only in allowing UTF-8 in the header.
  const text = Buffer.from(buf.buffer, buf.byteOffset + pre, hlen).toString(major === 3 ? 'utf8' : 'latin1');
  const h = parseHeaderDict(text, label);
  const { dtype, swap } = parseDescr(h.descr, label);
  const ctor = CTORS[dtype];
  const count = product(h.shape);
  const want = count * ctor.BYTES_PER_ELEMENT;
  if (!Number.isSafeInteger(want)) throw new DataError(label, `shape (${h.shape.join(', ')}) is too large`);
  const found = buf.length - pre - hlen;
  if (found < want) throw new DataError(label, `truncated data: expected ${want} bytes of data, found ${found}`);
  if (found > want) throw new DataError(label, `trailing bytes: expected ${want} bytes of data, found ${found}`);
  // Copy into a fresh buffer: the data offset need not be aligned for the typed array, and callers may keep `buf`.
  const bytes = new Uint8Array(want);
  bytes.set(buf.subarray(pre + hlen)); // (Buffer#slice would share memory, hence the explicit copy)
  if (swap) swapBytes(bytes, ctor.BYTES_PER_ELEMENT);
  let data = new ctor(bytes.buffer);
  if (h.fortranOrder && h.shape.length > 1) data = fortranToC(data, h.shape);
  return { dtype, shape: [...h.shape], data };
}

/** Read a file whole, turning the usual failures into one-line DataErrors. Shared with npz.ts. */
export function readDataFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(path, 'file not found');
    if (code === 'EISDIR') throw new DataError(path, 'is a directory, not a file');
    throw new DataError(path, `cannot read (${code ?? (e as Error).message})`);
  }
}

/** Read a .npy file synchronously; errors name `path`. */
export function readNpy(path: string): NpyArray {
  return parseNpy(readDataFile(path), path);
}

const INT_RANGE: Partial<Record<NpyDtype, [bigint, bigint]>> = {
  i1: [-(2n ** 7n), 2n ** 7n - 1n],
  i2: [-(2n ** 15n), 2n ** 15n - 1n],
  i4: [-(2n ** 31n), 2n ** 31n - 1n],
  i8: [-(2n ** 63n), 2n ** 63n - 1n],
  u1: [0n, 2n ** 8n - 1n],
  u2: [0n, 2n ** 16n - 1n],
  u4: [0n, 2n ** 32n - 1n],
  u8: [0n, 2n ** 64n - 1n],
};

/** Convert the input to the dtype's typed array, refusing values the dtype cannot hold (typed arrays would wrap silently). */
function toTyped(a: NpyInput, count: number): NpyData {
  const ctor = CTORS[a.dtype];
  if (a.data instanceof ctor && a.dtype !== 'b1') return a.data; // b1 is normalised to 0/1 below
  const out = new ctor(count) as unknown as { [i: number]: number | bigint };
  const range = INT_RANGE[a.dtype];
  const big = a.dtype === 'i8' || a.dtype === 'u8';
  for (let i = 0; i < count; i++) {
    const v = a.data[i];
    if (a.dtype === 'b1') out[i] = v ? 1 : 0;
    else if (!range) out[i] = Number(v);
    else {
      const b = typeof v === 'bigint' ? v : Number.isInteger(Number(v)) ? BigInt(Number(v)) : undefined;
      if (b === undefined || b < range[0] || b > range[1]) {
        throw new UsageError(`encodeNpy: value ${String(v)} at index ${i} does not fit dtype ${a.dtype}`);
      }
      out[i] = big ? b : Number(b);
    }
  }
  return out as unknown as NpyData;
}

/** Encode as a version 1.0 .npy file (2.0 if the header is huge): little-endian, C order. */
export function encodeNpy(a: NpyInput): Uint8Array {
  if (!Object.hasOwn(CTORS, a.dtype)) throw new UsageError(`encodeNpy: unsupported dtype '${a.dtype}'`);
  for (const n of a.shape) {
    if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`encodeNpy: shape entry ${n} is not a non-negative integer`);
  }
  const count = product(a.shape);
  if (a.data.length !== count) {
    throw new UsageError(`encodeNpy: shape (${a.shape.join(', ')}) needs ${count} elements, data has ${a.data.length}`);
  }
  const typed = toTyped(a, count);
  const size = CTORS[a.dtype].BYTES_PER_ELEMENT;
  const header = formatHeader(`${size === 1 ? '|' : '<'}${a.dtype}`, a.shape);
  const out = new Uint8Array(header.length + count * size);
  out.set(header);
  out.set(new Uint8Array(typed.buffer, typed.byteOffset, count * size), header.length);
  if (!HOST_LE) swapBytes(out.subarray(header.length), size);
  return out;
}

/** Write a .npy file atomically (temporary name, fsync, rename). */
export function writeNpy(path: string, a: NpyInput): void {
  writeFileAtomic(path, encodeNpy(a));
}

/**
 * Any numeric array as float32 (the f4 array itself is returned, not a copy). i8/u8 values beyond
 * ±2^53 are refused, as are f8 values too large for float32, rather than silently changed.
 */
export function toFloat32(a: NpyArray, label: string): Float32Array {
  if (a.data instanceof Float32Array) return a.data;
  const out = new Float32Array(a.data.length);
  const limit = 2n ** 53n;
  for (let i = 0; i < a.data.length; i++) {
    const v = a.data[i];
    if (typeof v === 'bigint') {
      if (v > limit || v < -limit) {
        throw new DataError(label, `value ${v} at index ${i} (dtype ${a.dtype}) is beyond ±2^53 and cannot be converted to float`);
      }
      out[i] = Number(v);
    } else {
      out[i] = v;
      if (!Number.isFinite(out[i]) && Number.isFinite(v)) {
        throw new DataError(label, `value ${v} at index ${i} (dtype ${a.dtype}) overflows float32`);
      }
    }
  }
  return out;
}
