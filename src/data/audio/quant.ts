// uint8 storage of log-mel dB. Each clip is referenced to its own loudest cell, so stored values are
// dB relative to the clip's maximum, clipped to [-rangeDb, 0]: loudness differences between voices
// are removed, and 80 dB covers what matters of a speech spectrum. dB = q · scale + offset.

export interface DbQuantisation {
  /** dB of q = 0 (the floor, relative to the clip's maximum). */
  offset: number;
  /** dB per step: rangeDb / 255. */
  scale: number;
}

export function quantisation(rangeDb = 80): DbQuantisation {
  return { offset: -rangeDb, scale: rangeDb / 255 };
}

/** One clip's dB values → uint8, relative to the clip's maximum. */
export function quantiseClip(db: ArrayLike<number>, q: DbQuantisation): Uint8Array {
  let ref = -Infinity;
  for (let i = 0; i < db.length; i++) ref = Math.max(ref, db[i]);
  const out = new Uint8Array(db.length);
  for (let i = 0; i < db.length; i++) {
    const v = Math.round((db[i] - ref - q.offset) / q.scale);
    out[i] = Math.min(255, Math.max(0, v));
  }
  return out;
}

export function dequantise(u8: Uint8Array, q: DbQuantisation): Float32Array {
  const out = new Float32Array(u8.length);
  for (let i = 0; i < u8.length; i++) out[i] = u8[i] * q.scale + q.offset;
  return out;
}
