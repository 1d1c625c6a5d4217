import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../../errors.js';
import { parseWav } from './wav.js';

/** A canonical 44-byte-header WAV, with an optional extra chunk before 'data'. */
function makeWav(samples: number[], o: { channels?: number; bits?: number; format?: number; rate?: number; extra?: boolean } = {}) {
  const { channels = 1, bits = 16, format = 1, rate = 22050, extra = false } = o;
  const bytesPer = bits / 8;
  const data = Buffer.alloc(samples.length * bytesPer);
  samples.forEach((s, i) => (bits === 16 ? data.writeInt16LE(s, 2 * i) : data.writeUInt8(s, i)));
  const fmt = Buffer.alloc(24);
  fmt.write('fmt ', 0, 'latin1');
  fmt.writeUInt32LE(16, 4);
  fmt.writeUInt16LE(format, 8);
  fmt.writeUInt16LE(channels, 10);
  fmt.writeUInt32LE(rate, 12);
  fmt.writeUInt32LE(rate * channels * bytesPer, 16);
  fmt.writeUInt16LE(channels * bytesPer, 20);
  fmt.writeUInt16LE(bits, 22);
  // An odd-sized chunk, to check the parser skips its pad byte.
  const list = extra ? Buffer.from('LIST\x03\x00\x00\x00abc\x00', 'latin1') : Buffer.alloc(0);
  const dataHdr = Buffer.alloc(8);
  dataHdr.write('data', 0, 'latin1');
  dataHdr.writeUInt32LE(data.length, 4);
  const body = Buffer.concat([Buffer.from('WAVE', 'latin1'), fmt, list, dataHdr, data]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(body.length, 4);
  return Buffer.concat([riff, body]);
}

test('parses 16-bit mono PCM into [-1, 1) floats', () => {
  for (const extra of [false, true]) {
    const w = parseWav(makeWav([0, 16384, -32768, 32767, -1], { rate: 16000, extra }));
    assert.equal(w.sampleRate, 16000);
    assert.deepEqual([...w.samples], [0, 0.5, -1, 32767 / 32768, -1 / 32768].map(Math.fround));
  }
});

test('rejects stereo, 8-bit, non-PCM, truncated and non-WAV input with a message naming the input', () => {
  const bad: [Buffer, RegExp][] = [
    [makeWav([1, 2, 3, 4], { channels: 2 }), /clip\.wav: 2 channels; only mono/],
    [makeWav([1, 2, 3], { bits: 8 }), /clip\.wav: 8-bit samples; only 16-bit/],
    [makeWav([1, 2], { format: 3 }), /clip\.wav: format code 3 is not PCM/],
    [makeWav([1, 2, 3]).subarray(0, 47), /clip\.wav: truncated/],
    [makeWav([1, 2, 3]).subarray(0, 10), /clip\.wav: truncated/],
    [Buffer.from('RIFX\0\0\0\0WAVEfmt ', 'latin1'), /clip\.wav: not a RIFF\/WAVE file/],
  ];
  for (const [buf, re] of bad) {
    assert.throws(() => parseWav(buf, 'clip.wav'), (e: Error) => e instanceof UsageError && re.test(e.message));
  }
  // A data chunk claiming more bytes than the RIFF holds (what a streamed WAV looks like).
  const w = makeWav([1, 2, 3]);
  w.writeUInt32LE(1000, 40);
  assert.throws(() => parseWav(w, 'clip.wav'), /truncated: chunk 'data' declares 1000 bytes/);
});
