// Type-checks each layer with its own tsconfig, so a crossing (Node in shared/, DOM in main/) is a type error.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const layers = ['common', 'renderer', 'preload', 'main', 'test'];
let failed = 0;
for (const layer of layers) {
  const result = spawnSync(process.execPath, [tsc, '-p', `tsconfig.${layer}.json`], { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`typecheck: ${layer} layer failed`);
    failed += 1;
  }
}
if (failed > 0) process.exit(1);
console.log(`typecheck: ${layers.length} layers clean`);
