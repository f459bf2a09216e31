/** What the store accepts as an event payload or audit details: plain JSON, nothing that JSON.stringify would bend. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };
export type JsonObject = { readonly [key: string]: JsonValue };

/**
 * JSON with object keys in one fixed (sorted) order at every level, so the same value always gives the same bytes: the audit chain
 * hashes these bytes, and a hash must not depend on the order someone happened to build an object in. Throws on
 * values JSON would silently change (undefined in arrays, NaN, Dates, class instances) rather than hash a lie.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(canonical(value, '$'));
}

function canonical(value: unknown, path: string): JsonValue {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`${path}: ${value} is not representable in JSON`);
    return value;
  }
  if (Array.isArray(value)) return value.map((item: unknown, index) => canonical(item, `${path}[${index}]`));
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) throw new TypeError(`${path}: only plain objects are JSON`);
    const out: Record<string, JsonValue> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) out[key] = canonical(item, `${path}.${key}`);
    }
    return out;
  }
  throw new TypeError(`${path}: ${typeof value} is not representable in JSON`);
}
