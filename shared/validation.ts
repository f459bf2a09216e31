import type { z } from 'zod';
import { fail, ok, type Result } from './result';

/**
 * Parses untrusted input against a schema and turns a failure into one readable sentence naming each bad field,
 * so every boundary reports bad input the same way instead of throwing.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, what: string): Result<z.output<S>> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return ok(parsed.data);
  const details = parsed.error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(value)'}: ${issue.message}`)
    .join('; ');
  return fail('invalid_input', `Invalid ${what}: ${details}`);
}
