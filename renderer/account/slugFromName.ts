/**
 * A workspace address suggested from its name ("Design Review!" → "design-review"): lowercase ASCII letters and
 * digits joined by single hyphens, at most 64 characters, the shape shared/identifiers.ts accepts. The person can
 * still type their own; the server decides whether it is free.
 */
export function slugFromName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)
    .replace(/-+$/g, '');
}
