// A minimal protobuf writer for the ONNX messages mmc emits (onnx/onnx.proto, field numbers below).
// Hand-written rather than a protobuf dependency: seven messages, write-only.

/** A message under construction: fields appended in order. */
export class Writer {
  private parts: Uint8Array[] = [];
  private len = 0;

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.len += b.length;
  }

  private varint(v: number | bigint): void {
    let x = BigInt.asUintN(64, BigInt(v)); // negative int64 as two's complement, as protobuf does
    const out: number[] = [];
    do {
      let byte = Number(x & 0x7fn);
      x >>= 7n;
      if (x) byte |= 0x80;
      out.push(byte);
    } while (x);
    this.push(Uint8Array.from(out));
  }

  private key(field: number, wire: 0 | 2 | 5): void {
    this.varint((field << 3) | wire);
  }

  int(field: number, v: number): this {
    this.key(field, 0);
    this.varint(v);
    return this;
  }

  float(field: number, v: number): this {
    this.key(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.key(field, 2);
    this.varint(b.length);
    this.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: Writer): this {
    return this.bytes(field, m.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.len);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

export const FLOAT = 1; // TensorProto.DataType
export const INT64 = 7;

export type Attr = { name: string } & ({ i: number } | { f: number } | { ints: number[] });

/** AttributeProto: name 1, f 2, i 3, ints 8, type 20 (FLOAT 1, INT 2, INTS 7). */
function attribute(a: Attr): Writer {
  const w = new Writer().string(1, a.name);
  if ('f' in a) return w.float(2, a.f).int(20, 1);
  if ('i' in a) return w.int(3, a.i).int(20, 2);
  for (const v of a.ints) w.int(8, v);
  return w.int(20, 7);
}

export interface Node {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Attr[];
}

/** NodeProto: input 1, output 2, name 3, op_type 4, attribute 5. */
function node(n: Node, name: string): Writer {
  const w = new Writer();
  for (const i of n.inputs) w.string(1, i);
  for (const o of n.outputs) w.string(2, o);
  w.string(3, name).string(4, n.op);
  for (const a of n.attrs ?? []) w.message(5, attribute(a));
  return w;
}

export interface Initializer {
  name: string;
  dims: number[];
  type: typeof FLOAT | typeof INT64;
  values: Float32Array | BigInt64Array;
}

/** TensorProto: dims 1, data_type 2, name 8, raw_data 9 (little-endian, as ONNX requires). */
function tensor(t: Initializer): Writer {
  const w = new Writer();
  for (const d of t.dims) w.int(1, d);
  const raw = new Uint8Array(t.values.buffer.slice(t.values.byteOffset, t.values.byteOffset + t.values.byteLength));
  return w.int(2, t.type).string(8, t.name).bytes(9, raw);
}

/** A tensor's name, element type and shape; a string dimension is symbolic (the batch). */
export interface ValueInfo {
  name: string;
  dims: (number | string)[];
  type?: typeof FLOAT | typeof INT64; // default FLOAT
}

/** ValueInfoProto{name 1, type 2: TypeProto{tensor_type 1: {elem_type 1, shape 2: {dim 1: {dim_value 1 | dim_param 2}}}}}. */
function valueInfo(v: ValueInfo): Writer {
  const shape = new Writer();
  for (const d of v.dims) shape.message(1, typeof d === 'number' ? new Writer().int(1, d) : new Writer().string(2, d));
  const tensorType = new Writer().int(1, v.type ?? FLOAT).message(2, shape);
  return new Writer().string(1, v.name).message(2, new Writer().message(1, tensorType));
}

export interface Graph {
  name: string;
  nodes: Node[];
  initializers: Initializer[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

/**
 * ModelProto bytes: ir_version 1, producer_name 2, producer_version 3, graph 7, opset_import 8
 * ({domain 1, version 2}); GraphProto: node 1, name 2, initializer 5, input 11, output 12.
 * IR version 7 pairs with opset 13 (onnx/docs/Versioning.md).
 */
export function encodeModel(g: Graph, o: { producer: string; version: string; opset: number }): Uint8Array {
  const graph = new Writer();
  g.nodes.forEach((n, i) => graph.message(1, node(n, `${n.op}_${i}`)));
  graph.string(2, g.name);
  for (const t of g.initializers) graph.message(5, tensor(t));
  for (const v of g.inputs) graph.message(11, valueInfo(v));
  for (const v of g.outputs) graph.message(12, valueInfo(v));
  return new Writer().int(1, 7).string(2, o.producer).string(3, o.version).message(7, graph).message(8, new Writer().string(1, '').int(2, o.opset)).finish();
}
