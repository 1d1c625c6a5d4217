// Reuse of kernel output arrays on the native backend. Every tfjs kernel returns a new tensor; on
// a 2-core VM, allocating (and V8 zero-filling) a few MB of Float32Arrays per training step, and
// the garbage collections they trigger, cost as much as the arithmetic of the small ops.
//
// Safety: only arrays the native kernels took from here are pooled, and only when the backend
// frees their tensor (refCount 0). Arrays handed out by reads (dataSync/data) are copies of pooled
// arrays (backend.ts), so no caller can hold an array that is later overwritten. Arrays a user
// wrote (tf.tensor(values)) are never pooled.
export class BufferPool {
  private free = new Map<number, Float32Array[]>();
  private owned = new WeakSet<Float32Array>();
  private bytes = 0;

  constructor(private readonly maxBytes = 128 * 2 ** 20, private readonly perSize = 16) {}

  /** A Float32Array of n elements, NOT zeroed when reused: the kernel must write every element. */
  take(n: number): Float32Array {
    const reused = this.free.get(n)?.pop();
    if (reused) this.bytes -= reused.byteLength;
    const a = reused ?? new Float32Array(n);
    this.owned.add(a);
    return a;
  }

  /** Whether `a` is a pooled array (a read must copy it). */
  owns(a: unknown): boolean {
    return a instanceof Float32Array && this.owned.has(a);
  }

  /** Give back the values of a freed tensor; ignored unless they came from take(). */
  give(a: unknown): void {
    if (!(a instanceof Float32Array) || !this.owned.has(a)) return;
    this.owned.delete(a);
    const list = this.free.get(a.length) ?? [];
    if (list.length >= this.perSize || this.bytes + a.byteLength > this.maxBytes) return;
    list.push(a);
    this.free.set(a.length, list);
    this.bytes += a.byteLength;
  }

  get pooledBytes(): number {
    return this.bytes;
  }
}
