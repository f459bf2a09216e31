import { describe, expect, it } from 'vitest';
import { parseServerConfig, serverConfigSchema } from '../../main/server/config';
import { parseRelayConfig, relayConfigSchema } from '../../main/server/turn/relayConfig';
import { configKeys, type ConfigKey } from './configKeys';
import { codeSpans, fencedBlockAfter, firstTable, projectFile, section } from './markdownSections';

/**
 * docs/server.md against the code: every key the server's and the standalone relay's config schemas accept (read
 * from the zod schemas, nested, so a key added later is checked without being listed here) has a row in its table,
 * no row names a key the code does not have, and the server's "every key" example holds every key and is a config
 * the server accepts.
 */
const serverMd = projectFile('docs/server.md');

/**
 * The table's key column names keys in code spans (`relay.udpPort`, `relay.tcpPort`). A row may document an object
 * as one value (`chat.posts`) when its text names each of the object's keys in code spans.
 */
function undocumented(keys: readonly ConfigKey[], rows: readonly string[][]): string[] {
  const rowOf = new Map<string, readonly string[]>();
  for (const row of rows) for (const name of codeSpans(row[0] ?? '')) rowOf.set(name, row);
  const asOneValue: string[] = [];
  const missing: string[] = [];
  for (const key of keys) {
    if (asOneValue.some((parent) => key.path.startsWith(`${parent}.`))) continue;
    const row = rowOf.get(key.path);
    if (row === undefined) {
      // An object needs no row of its own when each of its keys has one.
      if (key.children === null) missing.push(key.path);
      continue;
    }
    if (key.children === null) continue;
    asOneValue.push(key.path);
    const named = codeSpans(row.join(' ')).join(' ');
    for (const child of key.children) {
      if (!new RegExp(`\\b${child}\\b`).test(named)) missing.push(`${key.path}.${child}`);
    }
  }
  return missing;
}

function namedButUnknown(keys: readonly ConfigKey[], rows: readonly string[][]): string[] {
  const known = new Set(keys.map((key) => key.path));
  return rows.flatMap((row) => codeSpans(row[0] ?? '')).filter((name) => !known.has(name));
}

function missingFromExample(keys: readonly ConfigKey[], example: unknown): string[] {
  return keys
    .filter((key) => {
      let value: unknown = example;
      for (const part of key.path.split('.')) {
        if (typeof value !== 'object' || value === null || !(part in value)) return true;
        value = (value as Record<string, unknown>)[part];
      }
      return false;
    })
    .map((key) => key.path);
}

// Sections are looked up inside each test, so a heading that went missing fails a test instead of the file's load.
const configuration = () => section(serverMd, 'Configuration: whoot.server.json');
const relaySection = () => section(serverMd, 'Relay run apart');

describe('docs/server.md: the server configuration', () => {
  const keys = configKeys(serverConfigSchema);
  const rows = () => firstTable(configuration());

  it('walks the schema down to nested keys (the check below sees what it should)', () => {
    const paths = keys.map((key) => key.path);
    expect(paths).toEqual(expect.arrayContaining(['dataDir', 'listen.host', 'relay.bandwidthBytesPerSecond']));
    expect(paths).toEqual(expect.arrayContaining(['chat.posts', 'chat.posts.burst', 'webhooks.caFile']));
    expect(rows().length).toBeGreaterThan(10);
  });

  it('has a row in the table for every key the code accepts', () => {
    expect(undocumented(keys, rows())).toEqual([]);
  });

  it('names no key in the table that the code does not accept', () => {
    expect(namedButUnknown(keys, rows())).toEqual([]);
  });

  it('has every key in its "every key" example, and the example is a config the server accepts', () => {
    const example: unknown = JSON.parse(fencedBlockAfter(configuration(), 'A full example', 'json'));
    expect(missingFromExample(keys, example)).toEqual([]);
    expect(() => parseServerConfig(example)).not.toThrow();
  });

  it('gives the defaults the code has for keys whose default the table states as a value', () => {
    const defaults = parseServerConfig({ dataDir: '/tmp/unused' });
    const defaultOf = (name: string) => rows().find((row) => codeSpans(row[0] ?? '').includes(name))?.[1];
    expect(defaultOf('allowedOrigins')).toBe(`\`${JSON.stringify(defaults.allowedOrigins)}\``);
    expect(defaultOf('relay.listenIp')).toBe(`\`${defaults.relay.listenIp}\``);
    expect(defaultOf('relay.bandwidthBytesPerSecond')).toBe(`\`${defaults.relay.bandwidthBytesPerSecond}\``);
    expect(defaultOf('chat.maxFileBytes')).toBe(`\`${defaults.chat.maxFileBytes}\``);
  });
});

describe("docs/server.md: the standalone relay's configuration", () => {
  const keys = configKeys(relayConfigSchema);
  const rows = () => firstTable(section(relaySection(), "The relay's configuration"));

  it('has a row in the table for every key the relay accepts, and none it does not', () => {
    expect(keys.map((key) => key.path)).toEqual(expect.arrayContaining(['listenIp', 'revocationFeed.spkiPin']));
    expect(undocumented(keys, rows())).toEqual([]);
    expect(namedButUnknown(keys, rows())).toEqual([]);
  });

  it('shows an example the relay accepts', () => {
    expect(() => parseRelayConfig(JSON.parse(fencedBlockAfter(relaySection(), '```json', 'json')))).not.toThrow();
  });
});

describe('the documentation check itself', () => {
  const keys: ConfigKey[] = [
    { path: 'a', children: null },
    { path: 'b', children: ['x', 'y'] },
    { path: 'b.x', children: null },
    { path: 'b.y', children: null },
  ];

  it('reports a key without a row, and an object documented as one value that leaves a key out', () => {
    expect(undocumented(keys, [['`b.x`, `b.y`']])).toEqual(['a']);
    expect(undocumented(keys, [['`a`'], ['`b`', 'as `{ "x" }`']])).toEqual(['b.y']);
    expect(undocumented(keys, [['`a`'], ['`b`', '`{ "x", "y" }`']])).toEqual([]);
    expect(namedButUnknown(keys, [['`a`, `c`']])).toEqual(['c']);
    expect(missingFromExample(keys, { a: 1, b: { x: 1 } })).toEqual(['b.y']);
  });
});
