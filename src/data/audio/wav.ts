// Minimal RIFF/WAVE reader for what espeak-ng writes: PCM, 16-bit, mono. Anything else is rejected
// with a message saying what was found, rather than guessed at.
import { UsageError } from '../../errors.js';

export interface Wav {
  sampleRate: number;
  /** Samples scaled to [-1, 1): int16 / 32768. */
  samples: Float32Array;
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

export function parseWav(bytes: Uint8Array, name = 'WAV data'): Wav {
  const fail = (why: string): never => {
    throw new UsageError(`${name}: ${why}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
  if (bytes.length < 12) fail(`truncated: ${bytes.length} bytes, a RIFF header needs 12`);
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') fail('not a RIFF/WAVE file');
  const riffEnd = 8 + view.getUint32(4, true);
  if (riffEnd > bytes.length) fail(`truncated: the RIFF header declares ${riffEnd} bytes, the file has ${bytes.length}`);

  let fmt: { format: number; channels: number; sampleRate: number; bits: number } | undefined;
  let pos = 12;
  while (pos + 8 <= riffEnd) {
    const id = tag(pos);
    const size = view.getUint32(pos + 4, true);
    const body = pos + 8;
    if (body + size > riffEnd) fail(`truncated: chunk '${id}' declares ${size} bytes, ${riffEnd - body} remain`);
    if (id === 'fmt ') {
      if (size < 16) fail(`'fmt ' chunk is ${size} bytes, expected at least 16`);
      let format = view.getUint16(body, true);
      // WAVE_FORMAT_EXTENSIBLE carries the real format code in the first two bytes of its sub-format GUID.
      if (format === WAVE_FORMAT_EXTENSIBLE && size >= 40) format = view.getUint16(body + 24, true);
      fmt = {
        format,
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!fmt) fail("'data' chunk comes before the 'fmt ' chunk");
      const f = fmt!;
      if (f.format !== WAVE_FORMAT_PCM) fail(`format code ${f.format} is not PCM (1); only 16-bit PCM is supported`);
      if (f.channels !== 1) fail(`${f.channels} channels; only mono is supported`);
      if (f.bits !== 16) fail(`${f.bits}-bit samples; only 16-bit PCM is supported`);
      if (size % 2 !== 0) fail(`truncated: 'data' chunk has ${size} bytes, not a whole number of 16-bit samples`);
      const samples = new Float32Array(size / 2);
      for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(body + 2 * i, true) / 32768;
      return { sampleRate: f.sampleRate, samples };
    }
    pos = body + size + (size & 1); // chunks are padded to an even length
  }
  return fail(fmt ? "no 'data' chunk (truncated?)" : "no 'fmt ' chunk (truncated?)");
}
