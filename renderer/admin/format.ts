/** Times the console shows: local date and time to the minute, or a dash for none. */
export function when(ms: number | null): string {
  if (ms === null) return '—';
  const date = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** A long id, shortened for a table cell; the full id stays in the title for copying. */
export const shortId = (id: string): string => (id.length > 12 ? `${id.slice(0, 8)}…` : id);

/** Roles as the console says them. */
export const ROLE_NAME = { owner: 'Owner', admin: 'Admin', member: 'Member' } as const;
