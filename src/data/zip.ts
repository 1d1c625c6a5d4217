// The small part of the zip format .npz files use: stored and deflated entries, no zip64, no
// encryption, one disk. Reading trusts the central directory (numpy writes zip64 extras into the
// local headers of even tiny files, so local sizes can read 0xFFFFFFFF). Spec: PKWARE APPNOTE.TXT.
import * as zlib from 'node:zlib';
import { DataError, UsageError } from '../errors.js';

export interface ZipEntry {
  name: string;
  data: Uint8Array;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const DOS_DATE_1980 = 0x21; // 1980-01-01: fixed timestamps keep written archives byte-reproducible

let table: Uint32Array | undefined;
function crc32Js(data: Uint8Array): number {
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** CRC-32 (zip's). zlib.crc32 exists only from Node 20.15 / 22.2, so fall back to a table. */
export function crc32(data: Uint8Array, useNative = true): number {
  const native = (zlib as { crc32?: (d: Uint8Array) => number }).crc32;
  return useNative && typeof native === 'function' ? native(data) >>> 0 : crc32Js(data);
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/** All entries of a zip archive held in memory, in central-directory order, CRC-checked. */
export function readZip(buf: Uint8Array, label: string): ZipEntry[] {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const fail = (why: string): never => {
    throw new DataError(label, why);
  };
  // The end record sits at the end, before a comment of at most 65535 bytes.
  let end = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (v.getUint32(i, true) === SIG_END) {
      end = i;
      break;
    }
  }
  if (end < 0) fail('not a zip (.npz) file: no end-of-central-directory record');
  const zip64 = 'zip64 archives are not supported (re-save with fewer or smaller arrays)';
  if (end >= 20 && v.getUint32(end - 20, true) === SIG_ZIP64_LOCATOR) fail(zip64);
  const count = v.getUint16(end + 10, true);
  const cdSize = v.getUint32(end + 12, true);
  const cdOffset = v.getUint32(end + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) fail(zip64);
  if (v.getUint16(end + 4, true) !== 0 || v.getUint16(end + 6, true) !== 0) fail('multi-disk zip archives are not supported');
  if (cdOffset + cdSize > end) fail('corrupt zip: central directory lies outside the file');

  const out: ZipEntry[] = [];
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > end || v.getUint32(p, true) !== SIG_CENTRAL) fail(`corrupt zip: bad central directory record ${n}`);
    const flags = v.getUint16(p + 8, true);
    const method = v.getUint16(p + 10, true);
    const crc = v.getUint32(p + 16, true);
    const csize = v.getUint32(p + 20, true);
    const usize = v.getUint32(p + 24, true);
    const nameLen = v.getUint16(p + 28, true);
    const skip = nameLen + v.getUint16(p + 30, true) + v.getUint16(p + 32, true);
    const local = v.getUint32(p + 42, true);
    const name = Buffer.from(buf.subarray(p + 46, p + 46 + nameLen)).toString(flags & 0x800 ? 'utf8' : 'latin1');
    p += 46 + skip;
    const entry = `entry '${name}'`;
    if (csize === 0xffffffff || usize === 0xffffffff || local === 0xffffffff) fail(`${entry}: ${zip64}`);
    if (flags & 1) fail(`${entry}: encrypted entries are not supported`);
    if (local + 30 > buf.length || v.getUint32(local, true) !== SIG_LOCAL) fail(`${entry}: corrupt zip: bad local header`);
    const start = local + 30 + v.getUint16(local + 26, true) + v.getUint16(local + 28, true);
    if (start + csize > buf.length) fail(`${entry}: truncated (expected ${csize} bytes of compressed data)`);
    const raw = buf.subarray(start, start + csize);
    let data: Uint8Array;
    if (method === 0) data = raw;
    else if (method === 8) {
      try {
        data = zlib.inflateRawSync(raw);
      } catch (e) {
        return fail(`${entry}: corrupt deflate data (${(e as Error).message})`);
      }
    } else return fail(`${entry}: unsupported compression method ${method} (supported: 0 stored, 8 deflate)`);
    if (data.length !== usize) fail(`${entry}: expected ${usize} bytes after decompression, found ${data.length}`);
    const got = crc32(data);
    if (got !== crc) fail(`${entry}: CRC-32 mismatch (stored ${hex(crc)}, computed ${hex(got)})`);
    out.push({ name, data });
  }
  return out;
}

/** A zip archive of the entries, stored (method 0) or deflated (method 8). */
export function encodeZip(entries: ZipEntry[], compress = false): Uint8Array {
  if (entries.length >= 0xffff) throw new UsageError(`zip: ${entries.length} entries need zip64, which is not supported`);
  const parts: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const flags = /^[\x20-\x7e]*$/.test(e.name) ? 0 : 0x800; // bit 11: the name is UTF-8
    const body = compress ? zlib.deflateRawSync(e.data) : e.data;
    const crc = crc32(e.data);
    if (offset + 30 + name.length + body.length >= 0xffffffff || e.data.length >= 0xffffffff) {
      throw new UsageError(`zip: '${e.name}' would need zip64 (over 4 GiB), which is not supported`);
    }
    const local = new DataView(new ArrayBuffer(30));
    const cd = new DataView(new ArrayBuffer(46));
    // Fields shared by the local header (from offset 4) and the central record (from offset 6).
    const common = (d: DataView, at: number) => {
      d.setUint16(at, 20, true); // version needed: 2.0 (deflate)
      d.setUint16(at + 2, flags, true);
      d.setUint16(at + 4, compress ? 8 : 0, true);
      d.setUint16(at + 6, 0, true); // time 00:00
      d.setUint16(at + 8, DOS_DATE_1980, true);
      d.setUint32(at + 10, crc, true);
      d.setUint32(at + 14, body.length, true);
      d.setUint32(at + 18, e.data.length, true);
      d.setUint16(at + 22, name.length, true);
    };
    local.setUint32(0, SIG_LOCAL, true);
    common(local, 4);
    cd.setUint32(0, SIG_CENTRAL, true);
    cd.setUint16(4, 20, true); // version made by
    common(cd, 6);
    cd.setUint32(42, offset, true);
    central.push(new Uint8Array(cd.buffer), name);
    parts.push(new Uint8Array(local.buffer), name, body);
    offset += 30 + name.length + body.length;
  }
  const cdSize = central.reduce((s, b) => s + b.length, 0);
  const endRec = new DataView(new ArrayBuffer(22));
  endRec.setUint32(0, SIG_END, true);
  endRec.setUint16(8, entries.length, true);
  endRec.setUint16(10, entries.length, true);
  endRec.setUint32(12, cdSize, true);
  endRec.setUint32(16, offset, true);
  return Buffer.concat([...parts, ...central, new Uint8Array(endRec.buffer)]);
}
