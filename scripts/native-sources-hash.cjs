// The sha256 of native/*.cc and *.h (names and bytes), shared by scripts/build-native.mjs, which
// records it beside the addon, and src/native/addon.ts, which checks it before loading (CommonJS,
// so that the synchronous loader can require it).
const { createHash } = require('node:crypto');
const { readdirSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

function nativeSourcesHash(root) {
  const dir = join(root, 'native');
  const h = createHash('sha256');
  for (const f of readdirSync(dir).filter((n) => /\.(cc|h)$/.test(n)).sort()) {
    h.update(`${f}\0`);
    h.update(readFileSync(join(dir, f)));
    h.update('\0');
  }
  return h.digest('hex');
}

module.exports = { nativeSourcesHash };
