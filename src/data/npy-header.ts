// The .npy header: a Python dict literal, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }.
// Parsed by a tiny literal reader (never eval) that knows only what numpy writes: strings, ints,
// True/False/None, tuples, lists and dicts. Format spec: numpy.lib.format.
import { DataError } from '../errors.js';

type PyValue = string | number | boolean | null | PyValue[] | { [k: string]: PyValue };

export interface NpyHeader {
  /** The raw descr, e.g. '<f4' (a list for structured dtypes, which callers reject). */
  descr: PyValue;
  fortranOrder: boolean;
  shape: number[];
}

class LiteralReader {
  i = 0;
  constructor(private s: string, private fail: (why: string) => never) {}

  private ws(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i])) this.i++;
  }

  private expect(ch: string): void {
    this.ws();
    if (this.s[this.i] !== ch) this.fail(`expected '${ch}' at offset ${this.i}`);
    this.i++;
  }

  /** Consume `ch` if it is next (after whitespace). */
  private eat(ch: string): boolean {
    this.ws();
    if (this.s[this.i] === ch) {
      this.i++;
      return true;
    }
    return false;
  }

  value(): PyValue {
    this.ws();
    const c = this.s[this.i];
    if (c === "'" || c === '"') return this.str(c);
    if (c === '(') return this.seq(')');
    if (c === '[') return this.seq(']');
    if (c === '{') return this.dict();
    const m = /^(True|False|None|[-+]?[0-9][0-9A-Za-z_.+-]*)/.exec(this.s.slice(this.i));
    if (!m) this.fail(`unexpected ${c === undefined ? 'end' : `'${c}'`} at offset ${this.i}`);
    this.i += m[0].length;
    if (m[0] === 'True') return true;
    if (m[0] === 'False') return false;
    if (m[0] === 'None') return null;
    // Python 2 era numpy wrote longs as 3L; anything not an integer is rejected by the caller.
    return Number(m[0].replace(/L$/, ''));
  }

  private str(q: string): string {
    let out = '';
    this.i++;
    while (this.i < this.s.length && this.s[this.i] !== q) {
      if (this.s[this.i] === '\\') this.i++; // numpy's descrs never need escapes; keep the next char literally
      out += this.s[this.i++];
    }
    if (this.i >= this.s.length) this.fail('unterminated string');
    this.i++;
    return out;
  }

  private seq(close: string): PyValue[] {
    this.i++;
    const out: PyValue[] = [];
    while (!this.eat(close)) {
      out.push(this.value());
      if (!this.eat(',')) {
        this.expect(close);
        break;
      }
    }
    return out;
  }

  private dict(): { [k: string]: PyValue } {
    this.i++;
    const out: { [k: string]: PyValue } = {};
    while (!this.eat('}')) {
      const k = this.value();
      if (typeof k !== 'string') this.fail('dict key is not a string');
      this.expect(':');
      Object.defineProperty(out, k, { value: this.value(), enumerable: true, writable: true });
      if (!this.eat(',')) {
        this.expect('}');
        break;
      }
    }
    return out;
  }

  end(): void {
    this.ws();
    if (this.i !== this.s.length) this.fail(`unexpected text after the dict at offset ${this.i}`);
  }
}

/** Parse and check the header dict text; `label` prefixes every error. */
export function parseHeaderDict(text: string, label: string): NpyHeader {
  const bad = (why: string): never => {
    throw new DataError(label, `malformed .npy header: ${why}`);
  };
  const r = new LiteralReader(text, bad);
  const d = r.value();
  r.end();
  if (d === null || typeof d !== 'object' || Array.isArray(d)) return bad('not a dict');
  for (const k of ['descr', 'fortran_order', 'shape']) if (!(k in d)) bad(`missing '${k}'`);
  // numpy itself rejects extra keys; so do we, so a file we accept is one numpy accepts.
  for (const k of Object.keys(d)) if (!['descr', 'fortran_order', 'shape'].includes(k)) bad(`unexpected key '${k}'`);
  if (typeof d.fortran_order !== 'boolean') bad(`'fortran_order' is not True or False`);
  if (!Array.isArray(d.shape)) return bad(`'shape' is not a tuple`);
  for (const n of d.shape) {
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
      bad(`'shape' entry ${JSON.stringify(n)} is not a non-negative integer`);
    }
  }
  return { descr: d.descr, fortranOrder: d.fortran_order as boolean, shape: d.shape as number[] };
}

/** numpy's layout: the dict, padded with spaces and a final newline so the data starts 64-byte aligned. */
export function formatHeader(descr: string, shape: number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Version 1.0 has a 2-byte header length; 2.0 (4 bytes) only when the header would not fit.
  for (const [major, pre] of [[1, 10], [2, 12]] as const) {
    const total = Math.ceil((pre + dict.length + 1) / 64) * 64;
    const len = total - pre;
    if (major === 1 && len > 0xffff) continue;
    const out = new Uint8Array(total);
    out.set([0x93, ...Buffer.from('NUMPY'), major, 0]);
    const view = new DataView(out.buffer);
    if (major === 1) view.setUint16(8, len, true);
    else view.setUint32(8, len, true);
    out.set(Buffer.from(dict.padEnd(len - 1, ' ') + '\n', 'latin1'), pre);
    return out;
  }
  throw new Error('unreachable');
}
