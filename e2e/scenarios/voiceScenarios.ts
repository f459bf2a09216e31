import { expect } from 'vitest';
import type { AppPage } from '../harness/appPage';
import { heapSnapshotText, readPageStorage } from '../harness/pageSecrets';
import { rtcLeftovers } from '../harness/rtcProbe';

/**
 * After sign-out: the renderer's heap holds none of the TURN usernames and keys main ever handed this page for voice
 * (nor any username of `userId`), the page stores nothing, and no peer connection or microphone track is left.
 */
export async function expectNoVoiceSecretsLeft(person: AppPage, userId: string): Promise<void> {
  const handed = person.main.answers
    .filter((entry) => entry.channel.endsWith('voice.credentials'))
    .flatMap((entry) => {
      const answer = entry.answer as {
        ok: boolean;
        value?: { iceServers: { username: string; credential: string }[] };
      };
      return answer.ok
        ? (answer.value?.iceServers ?? []).flatMap((server) => [server.username, server.credential])
        : [];
    });
  expect(handed.length).toBeGreaterThanOrEqual(4);
  const heap = await heapSnapshotText(person.page, person.context);
  for (const secret of handed) expect(heap.includes(secret), 'a TURN credential is in the renderer heap').toBe(false);
  expect(heap).not.toMatch(new RegExp(`\\d{10}:${userId}:`));
  const storage = await readPageStorage(person.page, person.context);
  expect(storage).toEqual({ localStorage: [], sessionStorage: [], indexedDB: [], documentCookie: '', cookies: [] });
  expect(await rtcLeftovers(person.page)).toMatchObject({ openPeerConnections: 0, liveTracks: 0 });
}
