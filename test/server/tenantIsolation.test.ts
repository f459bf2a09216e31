import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointName } from '../../shared/rest/endpoints';
import { expectError, signedCall, type RawResponse } from '../support/rawServerClient';
import { signUpAndIn, startTestServer, type TestClient, type TestServer } from '../support/serverHarness';

/**
 * Tenant isolation and roles over real HTTPS. A member of workspace A who names workspace B's ids gets exactly the
 * answer a random id gets (so probing tells nothing), and B is left exactly as it was. Role checks answer 403 to
 * members, who may already see the workspace.
 */

let t: TestServer;
/** Owner of workspace A; carol is an admin of A and dave a member of A. */
let alice: TestClient;
let carol: TestClient;
let dave: TestClient;
/** Owner of workspace B; erin is a member of B. */
let bob: TestClient;
let erin: TestClient;
let wsA: string;
let wsB: string;
let channelA: string;
let channelB: string;

async function join(client: TestClient, inviter: TestClient, workspaceId: string, role: 'admin' | 'member') {
  const invite = await inviter.call('createInvite', { params: { workspaceId }, body: { role } });
  await client.call('acceptInvite', { body: { code: invite.code } });
}

beforeAll(async () => {
  t = await startTestServer();
  const signUp = (name: string) => signUpAndIn(t.server, name);
  [alice, bob, carol, dave, erin] = await Promise.all([
    signUp('alice'),
    signUp('bob'),
    signUp('carol'),
    signUp('dave'),
    signUp('erin'),
  ]);
  wsA = (await alice.call('createWorkspace', { body: { slug: 'tenant-a', name: 'A' } })).workspace.id;
  wsB = (await bob.call('createWorkspace', { body: { slug: 'tenant-b', name: 'B' } })).workspace.id;
  channelA = (await alice.call('createChannel', { params: { workspaceId: wsA }, body: { name: 'a' } })).channel.id;
  channelB = (await bob.call('createChannel', { params: { workspaceId: wsB }, body: { name: 'b' } })).channel.id;
  await join(carol, alice, wsA, 'admin');
  await join(dave, alice, wsA, 'member');
  await join(erin, bob, wsB, 'member');
  await bob.call('createInvite', { params: { workspaceId: wsB }, body: { role: 'admin', maxUses: 5 } });
});
afterAll(async () => {
  await t?.close();
});

/** Everything in workspace B, through the store, so a change by any route would show. */
async function workspaceState(workspaceId: string) {
  const scope = t.server.store.forWorkspace(workspaceId);
  return {
    workspace: await t.server.store.workspaces.byId(workspaceId),
    members: await scope.members.list(),
    channels: await scope.channels.list(),
    invites: await scope.invites.list(),
    latestEvent: await scope.events.latestSeq(),
    audit: await scope.audit.since(0, 1000),
  };
}

type Input = { params?: Record<string, string>; body?: unknown };

interface Probe {
  readonly label: string;
  readonly name: EndpointName;
  /** The attack: B's ids (or B's ids in A's path). */
  readonly foreign: () => Input;
  /** The control: ids that exist nowhere, in the same places. */
  readonly random: () => Input;
  /**
   * In A's own path, only roles allowed the action reach the lookup (404); the others are refused by role first
   * (403), for B's ids and random ids alike. Unset: everyone gets the 404.
   */
  readonly permitted?: () => readonly TestClient[];
}

const nowhere = randomUUID();
const nobody = randomUUID();
const noChannel = randomUUID();

const probes: Probe[] = [
  {
    label: 'listMembers',
    name: 'listMembers',
    foreign: () => ({ params: { workspaceId: wsB } }),
    random: () => ({ params: { workspaceId: nowhere } }),
  },
  {
    label: 'setMemberRole on a B member',
    name: 'setMemberRole',
    foreign: () => ({ params: { workspaceId: wsB, userId: erin.user.id }, body: { role: 'owner' } }),
    random: () => ({ params: { workspaceId: nowhere, userId: nobody }, body: { role: 'owner' } }),
  },
  {
    label: 'setMemberRole on the B owner',
    name: 'setMemberRole',
    foreign: () => ({ params: { workspaceId: wsB, userId: bob.user.id }, body: { role: 'member' } }),
    random: () => ({ params: { workspaceId: nowhere, userId: bob.user.id }, body: { role: 'member' } }),
  },
  {
    // Alice owns A: B's member named in A's path is as unknown as a random user.
    label: 'setMemberRole on a B member in the A path',
    name: 'setMemberRole',
    foreign: () => ({ params: { workspaceId: wsA, userId: erin.user.id }, body: { role: 'admin' } }),
    random: () => ({ params: { workspaceId: wsA, userId: nobody }, body: { role: 'admin' } }),
    permitted: () => [alice],
  },
  {
    label: 'createInvite',
    name: 'createInvite',
    foreign: () => ({ params: { workspaceId: wsB }, body: { role: 'admin' } }),
    random: () => ({ params: { workspaceId: nowhere }, body: { role: 'admin' } }),
  },
  {
    label: 'listChannels',
    name: 'listChannels',
    foreign: () => ({ params: { workspaceId: wsB } }),
    random: () => ({ params: { workspaceId: nowhere } }),
  },
  {
    label: 'createChannel',
    name: 'createChannel',
    foreign: () => ({ params: { workspaceId: wsB }, body: { name: 'pwned', relayOnly: false } }),
    random: () => ({ params: { workspaceId: nowhere }, body: { name: 'pwned', relayOnly: false } }),
  },
  {
    label: 'deleteChannel',
    name: 'deleteChannel',
    foreign: () => ({ params: { workspaceId: wsB, channelId: channelB } }),
    random: () => ({ params: { workspaceId: nowhere, channelId: noChannel } }),
  },
  {
    // A's path, where Alice may delete channels, with B's channel id.
    label: 'deleteChannel of a B channel in the A path',
    name: 'deleteChannel',
    foreign: () => ({ params: { workspaceId: wsA, channelId: channelB } }),
    random: () => ({ params: { workspaceId: wsA, channelId: noChannel } }),
    permitted: () => [alice, carol],
  },
  {
    label: 'voiceCredentials',
    name: 'voiceCredentials',
    foreign: () => ({ body: { channelId: channelB } }),
    random: () => ({ body: { channelId: noChannel } }),
  },
  {
    label: 'wsTicket',
    name: 'wsTicket',
    foreign: () => ({ body: { workspaceId: wsB } }),
    random: () => ({ body: { workspaceId: nowhere } }),
  },
];

const comparable = (response: RawResponse) => ({ status: response.status, body: response.json });

describe('tenant isolation: workspace A members using workspace B ids', () => {
  for (const probe of probes) {
    it(`${probe.label}: the same 404 as a random id, and B unchanged`, async () => {
      const before = await workspaceState(wsB);
      const beforeA = await workspaceState(wsA);
      for (const attacker of [alice, carol, dave]) {
        const foreign = await signedCall(t.server, attacker, probe.name, probe.foreign());
        const random = await signedCall(t.server, attacker, probe.name, probe.random());
        if (probe.permitted === undefined || probe.permitted().includes(attacker)) {
          expectError(foreign, 404, 'not_found');
        } else {
          expectError(foreign, 403, 'forbidden');
        }
        expect(comparable(foreign)).toStrictEqual(comparable(random));
        expect(foreign.text).toBe(random.text);
      }
      expect(await workspaceState(wsB)).toStrictEqual(before);
      expect((await workspaceState(wsA)).channels).toStrictEqual(beforeA.channels);
      expect((await workspaceState(wsA)).members).toStrictEqual(beforeA.members);
    });
  }

  it('B members see B as it was: nothing of A leaked into it', async () => {
    const channels = await erin.call('listChannels', { params: { workspaceId: wsB } });
    expect(channels.channels.map((c) => c.id)).toEqual([channelB]);
    const members = await erin.call('listMembers', { params: { workspaceId: wsB } });
    expect(members.members.map((m) => [m.userId, m.role]).sort()).toEqual(
      [
        [bob.user.id, 'owner'],
        [erin.user.id, 'member'],
      ].sort(),
    );
    expect(await t.server.store.forWorkspace(wsB).channels.get(channelA)).toBeUndefined();
  });
});

describe('roles inside one workspace', () => {
  it('a member cannot create channels or invites or change roles (403), and nothing changes', async () => {
    const before = await workspaceState(wsA);
    const attempts: [EndpointName, { params?: Record<string, string>; body?: unknown }][] = [
      ['createChannel', { params: { workspaceId: wsA }, body: { name: 'mine' } }],
      ['deleteChannel', { params: { workspaceId: wsA, channelId: channelA } }],
      ['createInvite', { params: { workspaceId: wsA }, body: { role: 'admin' } }],
      ['createInvite', { params: { workspaceId: wsA }, body: { role: 'member' } }],
      ['setMemberRole', { params: { workspaceId: wsA, userId: dave.user.id }, body: { role: 'owner' } }],
      ['setMemberRole', { params: { workspaceId: wsA, userId: alice.user.id }, body: { role: 'member' } }],
    ];
    for (const [name, input] of attempts) expectError(await signedCall(t.server, dave, name, input), 403, 'forbidden');
    expect(await workspaceState(wsA)).toStrictEqual(before);
  });

  it('an admin may manage channels but cannot change roles, its own included (403)', async () => {
    const before = await workspaceState(wsA);
    const attempts: [string, string][] = [
      [carol.user.id, 'owner'],
      [dave.user.id, 'admin'],
      [alice.user.id, 'member'],
    ];
    for (const [userId, role] of attempts) {
      const response = await signedCall(t.server, carol, 'setMemberRole', {
        params: { workspaceId: wsA, userId },
        body: { role },
      });
      expectError(response, 403, 'forbidden');
    }
    expect(await workspaceState(wsA)).toStrictEqual(before);
    // The control: the same admin session is allowed what its role allows.
    const created = await signedCall(t.server, carol, 'createChannel', {
      params: { workspaceId: wsA },
      body: { name: 'admins-can' },
    });
    expect(created.status).toBe(201);
    const { id } = (created.json as { channel: { id: string } }).channel;
    expect(
      (await signedCall(t.server, carol, 'deleteChannel', { params: { workspaceId: wsA, channelId: id } })).status,
    ).toBe(204);
  });

  it('the last owner cannot be demoted (409 last_owner); with a second owner it can', async () => {
    const scope = t.server.store.forWorkspace(wsA);
    const before = await workspaceState(wsA);
    for (const role of ['admin', 'member']) {
      const response = await signedCall(t.server, alice, 'setMemberRole', {
        params: { workspaceId: wsA, userId: alice.user.id },
        body: { role },
      });
      expectError(response, 409, 'last_owner');
    }
    expect(await workspaceState(wsA)).toStrictEqual(before);
    expect((await scope.members.get(alice.user.id))?.role).toBe('owner');

    // The control: once carol is an owner too, alice may step down, and then carol is the last owner.
    const promote = { params: { workspaceId: wsA, userId: carol.user.id }, body: { role: 'owner' } };
    expect((await signedCall(t.server, alice, 'setMemberRole', promote)).status).toBe(204);
    const demote = { params: { workspaceId: wsA, userId: alice.user.id }, body: { role: 'admin' } };
    expect((await signedCall(t.server, alice, 'setMemberRole', demote)).status).toBe(204);
    const lastOwner = { params: { workspaceId: wsA, userId: carol.user.id }, body: { role: 'member' } };
    expectError(await signedCall(t.server, carol, 'setMemberRole', lastOwner), 409, 'last_owner');
    expect(await scope.members.count('owner')).toBe(1);
  });
});
