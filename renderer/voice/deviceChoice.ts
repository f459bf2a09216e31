/**
 * Which device to use when devices come and go. The user's choice is remembered even while its device is unplugged:
 * the call falls back to the system default, and switches back when the same device returns (unplug/replug).
 * Returns null for the system default.
 */
export function effectiveDevice(preferred: string | null, present: readonly string[] | null): string | null {
  if (preferred === null || preferred === 'default') return null;
  if (present === null) return preferred;
  return present.includes(preferred) ? preferred : null;
}
