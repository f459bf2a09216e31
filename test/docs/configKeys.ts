import { z } from 'zod';

/** One key of a configuration schema, by its dotted path. */
export interface ConfigKey {
  readonly path: string;
  /** The keys directly inside it when its value is an object (nested keys), else null. */
  readonly children: readonly string[] | null;
}

/** The schema under defaults, optionals, nullables and transforms: what the key's value is. */
function valueSchema(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    if (
      current instanceof z.ZodDefault ||
      current instanceof z.ZodPrefault ||
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable ||
      current instanceof z.ZodReadonly ||
      current instanceof z.ZodCatch
    ) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      // A transform's input is what a config file holds.
      current = current.in as z.ZodType;
    } else {
      return current;
    }
  }
}

/**
 * Every key a configuration schema accepts, walked from the schema itself (so a key someone adds is found without
 * anyone listing it): each object's keys, then the keys nested in those that are objects, depth first. A record's
 * keys are the user's choice (rate-limit class names), so a record is a key of its own, not walked into.
 */
export function configKeys(schema: z.ZodType, prefix = ''): ConfigKey[] {
  const object = valueSchema(schema);
  if (!(object instanceof z.ZodObject)) return [];
  return Object.entries(object.shape as Record<string, z.ZodType>).flatMap(([name, child]) => {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    const value = valueSchema(child);
    const children = value instanceof z.ZodObject ? Object.keys(value.shape as object) : null;
    return [{ path, children }, ...configKeys(value, path)];
  });
}
