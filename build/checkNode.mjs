// Fails with one clear line unless this Node is the one the README names (22.12 or newer: electron 45's tooling,
// node-abi and electron-builder's rebuild step require it, and the relay's workers use UDP reusePort from 22.12).
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 12)) {
  console.error(
    `whoot needs Node 22.12 or newer; this is ${process.version}. ` +
      'Install Node 22 LTS, or run: sh build/install-node.sh && . ./.tools/node/env.sh',
  );
  process.exit(1);
}
