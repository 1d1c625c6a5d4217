import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageError } from '../errors.js';
import { crossProduct, parseGrid } from './grid.js';

test('grid values split on commas outside brackets', () => {
  assert.deepEqual(parseGrid('train.epochs=1,2,3'), { key: 'train.epochs', values: ['1', '2', '3'] });
  assert.deepEqual(parseGrid('modalities=[a,b],[a,b,c]').values, ['[a,b]', '[a,b,c]']);
  assert.deepEqual(parseGrid('model.encoders={image: {type: conv, channels: [4,8]}},{}').values, ['{image: {type: conv, channels: [4,8]}}', '{}']);
  assert.throws(() => parseGrid('x'), UsageError);
  assert.throws(() => parseGrid('x=[1,2'), /unbalanced/);
  assert.throws(() => parseGrid('x=1,,2'), /empty value/);
});

test('cross product: first axis slowest', () => {
  assert.deepEqual(crossProduct([parseGrid('a=1,2'), parseGrid('b=x,y')]), [
    { a: '1', b: 'x' },
    { a: '1', b: 'y' },
    { a: '2', b: 'x' },
    { a: '2', b: 'y' },
  ]);
  assert.deepEqual(crossProduct([]), [{}]);
});
