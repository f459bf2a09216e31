import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, signedCall } from '../support/rawServerClient';
import { signUpAndIn, startTestServer, type TestClient, type TestServer } from '../support/serverHarness';

/**
 * Names carrying terminal escapes, line breaks, NUL, bidi overrides or zero-width characters, sent as an attacker
 * would (correctly signed, so only the name check can refuse them): each is refused with a clear 400 and nothing
 * is stored, before or after a restart.
 */

const HOSTILE_NAMES = [
  ['ESC (a terminal escape)', '\x1b[2J\x1b]0;pwned\x07Team'],
  ['CR/LF', 'Team\r\nInvite accepted: admin'],
  ['a trailing LF', 'Team\n'],
  ['NUL', 'Team\u0000'],
  ['U+202E (bidi override)', 'Team\u202Egnp.exe'],
  ['U+2066 (bidi isolate)', '\u2066Team\u2069'],
  ['U+200B (zero-width space)', 'Te\u200Bam'],
  ['U+FEFF (zero-width no-break space)', '\uFEFFTeam'],
  ['U+0085 (C1 next line)', 'Team\u0085x'],
] as const;

let t: TestServer;
let ada: TestClient;
let workspaceId: string;

beforeAll(async () => {
  t = await startTestServer();
  ada = await signUpAndIn(t.server, 'ada');
  workspaceId = (await ada.call('createWorkspace', { body: { slug: 'names', name: 'Names' } })).workspace.id;
});
afterAll(async () => {
  await t?.close();
});

async function state() {
  return {
    workspaces: (await t.server.store.workspaces.listForUser(ada.user.id)).map((m) => [
      m.workspace.id,
      m.workspace.name,
    ]),
    channels: (await t.server.store.forWorkspace(workspaceId).channels.list()).map((c) => [c.id, c.name]),
    audit: (await t.server.store.audit.head()).seq,
  };
}

describe('workspace and channel names over REST', () => {
  it.each(HOSTILE_NAMES)('refuses a workspace named with %s, and stores nothing', async (_what, name) => {
    const before = await state();
    const response = await signedCall(t.server, ada, 'createWorkspace', { body: { slug: 'hostile', name } });
    expectError(response, 400, 'invalid_input');
    expect((response.json as { error: { message: string } }).error.message).toMatch(
      /name: must not contain control, formatting \(bidi, zero-width\) or line break characters/,
    );
    expect(await t.server.store.workspaces.bySlug('hostile')).toBeUndefined();
    expect(await state()).toEqual(before);
  });

  it.each(HOSTILE_NAMES)('refuses a channel named with %s, and stores nothing', async (_what, name) => {
    const before = await state();
    for (const kind of ['voice', 'text'] as const) {
      const response = await signedCall(t.server, ada, 'createChannel', {
        params: { workspaceId },
        body: { name, kind },
      });
      expectError(response, 400, 'invalid_input');
      expect((response.json as { error: { message: string } }).error.message).toMatch(/name: must not contain/);
    }
    expect(await state()).toEqual(before);
  });

  it('still accepts names in any script, with emoji, and trims surrounding spaces (the control)', async () => {
    const { workspace } = await ada.call('createWorkspace', { body: { slug: 'intl', name: '  Équipe チーム 🎧 ' } });
    expect(workspace.name).toBe('Équipe チーム 🎧');
    const { channel } = await ada.call('createChannel', {
      params: { workspaceId: workspace.id },
      body: { name: 'Salon café', kind: 'text' },
    });
    expect(channel.name).toBe('Salon café');
  });

  it('has stored none of the refused names once the server restarts', async () => {
    await t.server.close();
    t = await startTestServer({}, t.dataDir);
    const names = [
      ...(await t.server.store.workspaces.listForUser(ada.user.id)).map((m) => m.workspace.name),
      ...(await t.server.store.forWorkspace(workspaceId).channels.list()).map((c) => c.name),
    ];
    expect(names.sort()).toEqual(['Names', 'Équipe チーム 🎧'].sort());
  });
});
