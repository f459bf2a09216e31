import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT_OK, type CliIo } from './cli/io';
import { runCli } from './cli/run';
import { EPHEMERAL_RELAY } from '../../test/support/serverHarness';
import { KEY_FILE_NAME, keyFileSource, openConfiguredStore, storeConfigSchema, type Store } from './store';
import { testPostgresDatabase } from './store/storeTestKit';

/** The operator's commands against a PostgreSQL store: the same CLI, pointed at a database by the config's store key. */
describe('the CLI with a PostgreSQL store', () => {
  let dir: string;
  let configFile: string;
  let database: ReturnType<typeof testPostgresDatabase>;
  let storeConfig: Record<string, unknown>;
  const stores: Store[] = [];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'whoot-cli-pg-'));
    configFile = join(dir, 'whoot.server.json');
    database = testPostgresDatabase(`cli_${randomBytes(6).toString('hex')}`);
    await database.create();
    storeConfig = {
      kind: 'postgres',
      url: database.url('whoot_app'),
      maintenanceUrl: database.url('whoot_maintenance'),
      ownerUrl: database.url('whoot_owner'),
      poolSize: 2,
      maintenancePoolSize: 1,
    };
    writeFileSync(
      configFile,
      JSON.stringify({
        dataDir: 'data',
        store: storeConfig,
        listen: { host: '127.0.0.1', port: 0 },
        publicPort: 9443,
        relay: EPHEMERAL_RELAY,
      }),
    );
  });
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function cli(args: string[], stdin = '') {
    const lines = { out: [] as string[], err: [] as string[] };
    const io: CliIo = {
      out: (line) => lines.out.push(line),
      err: (line) => lines.err.push(line),
      env: {},
      cwd: dir,
      readStdin: async () => stdin,
      waitForStop: () => new Promise(() => undefined),
    };
    const code = await runCli(['--config', configFile, ...args], io);
    return { code, out: lines.out.join('\n'), err: lines.err.join('\n') };
  }

  /** A node's store, opened as the server would (the key file the first command made). */
  async function node(): Promise<Store> {
    const keys = await keyFileSource(join(dir, 'data', KEY_FILE_NAME)).load();
    if (keys === null) throw new Error('no key file');
    const store = await openConfiguredStore(storeConfigSchema.parse(storeConfig), { dataDir: join(dir, 'data'), keys });
    stores.push(store);
    return store;
  }

  it('audit verify passes after two nodes appended at once, and names the head', async () => {
    const created = await cli(
      ['create-workspace', 'team', 'The Team', '--owner', 'ada@example.test', '--password-stdin'],
      'pw-correct-horse-battery\n',
    );
    expect(created.code).toBe(EXIT_OK);
    const [a, b] = [await node(), await node()];
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).audit.append({ type: 'load', details: { i } })),
    );
    const head = await a.audit.head();
    const verified = await cli(['audit', 'verify']);
    expect(verified).toMatchObject({ code: EXIT_OK });
    expect(verified.out).toContain(String(head.seq));
    expect(verified.out).toContain(head.hash);
  });

  it('rotate-key re-encrypts sealed columns and file contents stored in PostgreSQL; everything still reads', async () => {
    expect(
      (
        await cli(
          ['create-workspace', 'team', 'The Team', '--owner', 'ada@example.test', '--password-stdin'],
          'pw-correct-horse-battery\n',
        )
      ).code,
    ).toBe(EXIT_OK);
    const store = await node();
    const before = store.dataKeys.currentKeyId();
    const ws = (await store.workspaces.bySlug('team'))!;
    const ada = (await store.users.byEmail('ada@example.test'))!;
    const scope = store.forWorkspace(ws.id);
    const channel = await scope.channels.create({ name: 'files', kind: 'text' });
    const content = randomBytes(3 * 1024 * 1024 + 17);
    const upload = scope.files.startUpload({
      channelId: channel.id,
      uploaderId: ada.id,
      name: 'big.bin',
      contentType: 'application/octet-stream',
    });
    await upload.writeFrom(Readable.from([content]));
    const file = await upload.commit(content.length, 100 * 1024 * 1024);
    if (!file.ok) throw new Error(file.error.code);
    await store.close();
    stores.splice(0);

    const rotated = await cli(['rotate-key']);
    expect(rotated.code).toBe(EXIT_OK);
    expect(rotated.out).toContain('files.blob: 1');

    const after = await node();
    expect(after.dataKeys.currentKeyId()).not.toBe(before);
    expect((await after.dataKeys.usage()).every((usage) => usage.keyId === after.dataKeys.currentKeyId())).toBe(true);
    const bytes = await new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      void after
        .forWorkspace(ws.id)
        .files.open(file.value.id)
        .then((reopened) => {
          reopened!.content.on('data', (chunk: Buffer) => chunks.push(chunk));
          reopened!.content.on('end', () => resolve(Buffer.concat(chunks)));
          reopened!.content.on('error', reject);
        });
    });
    expect(bytes.equals(content)).toBe(true);
  });
});
