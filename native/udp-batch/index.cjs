'use strict';
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS: the loader of a native addon */
// The addon when it built (Linux, a C compiler at install time); otherwise { supported: false } and the relay uses
// Node's dgram, which does the same job with more CPU per datagram.
let binding;
try {
  binding = require('./build/Release/udp_batch.node');
} catch (error) {
  binding = { supported: false, loadError: String(error) };
}
module.exports = binding;
