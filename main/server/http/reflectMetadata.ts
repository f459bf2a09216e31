/**
 * @peculiar/x509 resolves its algorithms through tsyringe, which refuses to load unless Reflect has the metadata
 * API (normally from the reflect-metadata package, which this project does not install). tsyringe only reads
 * metadata for classes it is told to build, so the three calls it makes are enough. Installed only when absent:
 * a real polyfill loaded earlier always wins. Import this module before @peculiar/x509.
 */
type Key = unknown;
const metadata = new WeakMap<object, Map<Key, unknown>>();

interface ReflectMetadata {
  defineMetadata(key: Key, value: unknown, target: object): void;
  getOwnMetadata(key: Key, target: object): unknown;
  getMetadata(key: Key, target: object): unknown;
}

const reflect = Reflect as typeof Reflect & Partial<ReflectMetadata>;

if (typeof reflect.getMetadata !== 'function') {
  const shim: ReflectMetadata = {
    defineMetadata(key, value, target) {
      const own = metadata.get(target) ?? new Map<Key, unknown>();
      own.set(key, value);
      metadata.set(target, own);
    },
    getOwnMetadata(key, target) {
      return metadata.get(target)?.get(key);
    },
    getMetadata(key, target) {
      for (let current: object | null = target; current !== null; current = Object.getPrototypeOf(current)) {
        const own = metadata.get(current);
        if (own?.has(key)) return own.get(key);
      }
      return undefined;
    },
  };
  Object.assign(reflect, shim);
}
