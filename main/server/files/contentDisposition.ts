/**
 * `Content-Disposition: attachment` with the stored name: an ASCII fallback (`filename`, quotes, backslashes and
 * anything outside printable ASCII replaced) and the exact name as RFC 5987 `filename*` (UTF-8, percent-encoded),
 * so no name can break out of the header or smuggle a second parameter.
 */
export function attachmentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%;]/g, '_') || 'file';
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
