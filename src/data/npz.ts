// NumPy .npz archives (np.savez / np.savez_compressed): a zip of NAME.npy entries.
import { DataError } from '../errors.js';
import { writeFileAtomic } from '../run/atomic.js';
import { encodeNpy, parseNpy, readDataFile, type NpyArray, type NpyInput } from './npy.js';
import { encodeZip, readZip } from './zip.js';

/** Decode an .npz held in memory; keys are the entry names without '.npy'. */
export function parseNpz(buf: Uint8Array, label: string): Record<string, NpyArray> {
  const out: Record<string, NpyArray> = {};
  for (const e of readZip(buf, label)) {
    if (!e.name.endsWith('.npy')) throw new DataError(label, `entry '${e.name}' is not a .npy file`);
    const key = e.name.slice(0, -4);
    if (Object.hasOwn(out, key)) throw new DataError(label, `duplicate entry '${e.name}'`);
    // defineProperty: a key such as '__proto__' must stay an ordinary property.
    Object.defineProperty(out, key, { value: parseNpy(e.data, `${label}: ${e.name}`), enumerable: true, writable: true });
  }
  return out;
}

/** Read an .npz file synchronously; errors name `path` (and the entry, for a bad array inside). */
export function readNpz(path: string): Record<string, NpyArray> {
  return parseNpz(readDataFile(path), path);
}

/** Encode arrays as an .npz numpy can np.load; `compress` deflates entries like np.savez_compressed. */
export function encodeNpz(arrays: Record<string, NpyInput>, opts: { compress?: boolean } = {}): Uint8Array {
  const entries = Object.entries(arrays).map(([k, a]) => ({ name: `${k}.npy`, data: encodeNpy(a) }));
  return encodeZip(entries, opts.compress ?? false);
}

/** Write an .npz file atomically (temporary name, fsync, rename). */
export function writeNpz(path: string, arrays: Record<string, NpyInput>, opts: { compress?: boolean } = {}): void {
  writeFileAtomic(path, encodeNpz(arrays, opts));
}
