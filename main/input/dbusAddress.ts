/**
 * Turns a D-Bus server address (DBUS_SESSION_BUS_ADDRESS) into one dbus-next can open with Node's own sockets.
 * dbus-next reaches `unix:abstract=` (what dbus-launch and `unix:tmpdir` give on Linux) only through the native
 * `usocket` package, an optional dependency that does not build on current Node, and its parser splits on `:`, `,`
 * and `=` without unescaping `%XX`. Node's net module opens a Linux abstract socket when the path starts with a NUL,
 * so both unix forms become dbus-next's `socket=` (handed to net.createConnection as it is).
 */
export function toDbusNextAddress(address: string): string | null {
  const usable: string[] = [];
  for (const entry of address.split(';')) {
    const colon = entry.indexOf(':');
    if (colon <= 0) continue;
    const transport = entry.slice(0, colon);
    const params = new Map<string, string>();
    for (const pair of entry.slice(colon + 1).split(',')) {
      const equals = pair.indexOf('=');
      if (equals <= 0) continue;
      const value = unescapeValue(pair.slice(equals + 1));
      if (value !== null) params.set(pair.slice(0, equals), value);
    }
    const converted = convert(transport, params);
    if (converted !== null) usable.push(converted);
  }
  return usable.length > 0 ? usable.join(';') : null;
}

function convert(transport: string, params: ReadonlyMap<string, string>): string | null {
  // What dbus-next cannot carry through its own parser is left out rather than opened at the wrong place.
  const plain = (value: string) => !/[:;,=]/.test(value);
  if (transport === 'unix') {
    const path = params.get('path');
    if (path !== undefined && path !== '' && plain(path)) return `unix:socket=${path}`;
    const abstract = params.get('abstract');
    if (abstract !== undefined && abstract !== '' && plain(abstract)) return `unix:socket=\u0000${abstract}`;
    return null;
  }
  if (transport === 'tcp') {
    const host = params.get('host') ?? 'localhost';
    const port = params.get('port');
    if (port === undefined || !/^\d{1,5}$/.test(port) || !plain(host)) return null;
    return `tcp:host=${host},port=${port}`;
  }
  return null;
}

/** D-Bus escapes bytes outside [-0-9A-Za-z_/.\\*] as %XX; null for a broken escape. */
function unescapeValue(value: string): string | null {
  if (/%(?![0-9a-fA-F]{2})/.test(value)) return null;
  // Runs of escapes are decoded together: one UTF-8 character may span several.
  return value.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replaceAll('%', ''), 'hex').toString('utf8'));
}
