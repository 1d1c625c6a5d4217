import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Writer } from './proto.js';

test('protobuf wire format: varints (negative int64 as ten bytes), fixed32 floats, length-delimited fields', () => {
  assert.deepEqual([...new Writer().int(1, 150).finish()], [0x08, 0x96, 0x01]);
  assert.deepEqual([...new Writer().int(1, -1).finish()], [0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  assert.deepEqual([...new Writer().float(2, 1).finish()], [0x15, 0x00, 0x00, 0x80, 0x3f]);
  assert.deepEqual([...new Writer().string(4, 'Relu').finish()], [0x22, 0x04, 0x52, 0x65, 0x6c, 0x75]);
  assert.deepEqual([...new Writer().message(7, new Writer().int(1, 1)).finish()], [0x3a, 0x02, 0x08, 0x01]);
});
