'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS: the loader of a native addon */
// The addon when it built (Linux, a C compiler at install time) and this process's OpenSSL passed its known-answer
// test; otherwise { supported: false } and uploads are sealed with node:crypto (the same format, more CPU).
let binding;
if (process.versions.electron !== undefined) {
  // Electron links BoringSSL and does not promise the OpenSSL symbols this addon was built against.
  binding = { supported: false, loadError: 'Electron: uploads are sealed with node:crypto' };
} else {
  try {
    binding = require('./build/Release/blob_seal.node');
  } catch (error) {
    binding = { supported: false, loadError: String(error) };
  }
}
module.exports = binding;
