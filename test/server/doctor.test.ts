import { afterEach, describe, expect, it } from 'vitest';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, type CliIo } from '../../main/server/cli/io';
import { runCli } from '../../main/server/cli/run';
import { EPHEMERAL_RELAY, signUpAndIn, startTestServer, type TestServer } from '../support/serverHarness';
import { tamperLastCharacter } from '../support/tamper';

/**
 * `npm run server -- doctor` against a real running server: the command line as a user runs it (in-process, with
 * its real network checks), passing when every path is open and naming the exact port and what to open when the
 * relay's ports are closed.
 */

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function io(stdin = '') {
  const lines = { out: [] as string[], err: [] as string[] };
  const cli: CliIo = {
    out: (line) => lines.out.push(line),
    err: (line) => lines.err.push(line),
    env: {},
    cwd: '/nonexistent',
    readStdin: async () => stdin,
    waitForStop: () => new Promise(() => undefined),
  };
  return { cli, lines };
}

/** A server whose relay also listens for TURN over TLS, and an account with a workspace to test WSS in. */
async function serverWithAccount(
  relay: { host?: string } = {},
): Promise<{ t: TestServer; email: string; password: string }> {
  const t = await startTestServer({ relay: { ...EPHEMERAL_RELAY, tlsPort: 0, ...relay } });
  cleanups.push(() => t.close());
  const owner = await signUpAndIn(t.server, 'doc');
  await owner.call('createWorkspace', { body: { slug: 'doctor', name: 'Doctor' } });
  return { t, email: owner.email, password: owner.password };
}

const target = (t: TestServer) => ['--url', `https://127.0.0.1:${t.server.port}`, `--pin=${t.server.spkiPin}`];

/** `doctor` signed in as the account, for a server whose API is up and a relay that is not reachable: it fails. */
async function doctorFailingAtRelay(t: TestServer, email: string, password: string) {
  const { cli, lines } = io(password);
  const code = await runCli(['doctor', ...target(t), '--email', email, '--password-stdin'], cli);
  expect(code).toBe(EXIT_FAILED);
  const text = lines.out.join('\n');
  expect(text).toMatch(/^PASS {2}TLS to/m);
  expect(text).toMatch(/^PASS {2}WebSocket \(WSS\) round trip/m);
  expect(text).toMatch(/^SKIP {2}Relayed media round trip: no TURN allocation succeeded$/m);
  return { text, lines };
}

describe('npm run server -- doctor', () => {
  it('passes every step against a running server, and signs its session out afterwards', async () => {
    const { t, email, password } = await serverWithAccount();
    const userId = (await t.server.store.users.byEmail(email))?.id ?? '';
    const sessionsBefore = await t.server.store.sessions.listActive(userId);
    const { cli, lines } = io(`${password}\n`);
    const code = await runCli(['doctor', ...target(t), '--email', email, '--password-stdin'], cli);

    expect(lines.err).toEqual([]);
    expect(code).toBe(EXIT_OK);
    const relay = t.server.relay?.addresses;
    const steps = lines.out.filter((line) => /^(PASS|FAIL|SKIP)/.test(line));
    expect(steps).toEqual([
      expect.stringMatching(
        new RegExp(
          `^PASS  TLS to 127\\.0\\.0\\.1:${t.server.port} with the pinned key: TLS 1\\.[23], server key matches the pin`,
        ),
      ),
      expect.stringMatching(/^PASS {2}WebSocket \(WSS\) round trip .*: hello answered, round trip \d+ ms/),
      expect.stringMatching(
        new RegExp(
          `^PASS  STUN binding on UDP 127\\.0\\.0\\.1:${relay?.udp?.port}: the relay sees this computer as 127\\.0\\.0\\.1:\\d+`,
        ),
      ),
      expect.stringMatching(
        new RegExp(
          `^PASS  TURN allocation over UDP 127\\.0\\.0\\.1:${relay?.udp?.port}: relayed address 127\\.0\\.0\\.1:\\d+`,
        ),
      ),
      expect.stringMatching(
        new RegExp(`^PASS  TURN allocation over TCP 127\\.0\\.0\\.1:${relay?.tcp?.port}: relayed address`),
      ),
      expect.stringMatching(
        new RegExp(`^PASS  TURN allocation over TLS 127\\.0\\.0\\.1:${relay?.tls?.port}: relayed address`),
      ),
      expect.stringMatching(/^PASS {2}Relayed media round trip through UDP .*: 32 bytes there and back in \d+ ms/),
    ]);
    expect(lines.out.at(-1)).toBe('All checks passed.');
    // The doctor's sign-in does not outlive it.
    expect(await t.server.store.sessions.listActive(userId)).toEqual(sessionsBefore);
  });

  it('fails with the port and what to open when the relay ports are closed', async () => {
    const { t, email, password } = await serverWithAccount();
    const relay = t.server.relay;
    const udpPort = relay?.addresses.udp?.port;
    const tcpPort = relay?.addresses.tcp?.port;
    await relay?.close();
    const { text, lines } = await doctorFailingAtRelay(t, email, password);

    expect(text).toContain(
      `FAIL  TURN allocation over UDP 127.0.0.1:${udpPort}: no answer on UDP ${udpPort} within 3 s`,
    );
    expect(text).toContain(
      `      Allow UDP ${udpPort} from this computer to 127.0.0.1; on the server, allow inbound UDP ${udpPort}.`,
    );
    expect(text).toContain(
      `FAIL  TURN allocation over TCP 127.0.0.1:${tcpPort}: connection refused (nothing listens on that port, or a firewall rejects it)`,
    );
    expect(text).toContain(`FAIL  STUN binding on UDP 127.0.0.1:${udpPort}: no answer on UDP ${udpPort} within 3 s`);
    expect(text).toMatch(/^FAIL {2}TURN allocation over TLS 127\.0\.0\.1:\d+: no TLS connection to TCP \d+ \(refused/m);
    expect(lines.out.at(-1)).toBe('Some checks failed: see above for what to fix.');
  });

  it('says the server name does not resolve, and not which ports to open, when it has no address', async () => {
    const pin = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
    // RFC 6761: names under .invalid never resolve, on any network.
    const { cli, lines } = io('any password');
    const code = await runCli(
      [
        'doctor',
        '--url',
        'https://no-such-host.invalid:8443',
        '--pin',
        pin,
        '--email',
        'a@example.com',
        '--password-stdin',
      ],
      cli,
    );

    expect(code).toBe(EXIT_FAILED);
    const failed = lines.out.findIndex((line) => line.startsWith('FAIL'));
    const [failure, fix] = [lines.out[failed], lines.out[failed + 1]];
    expect(failure).toMatch(
      /^FAIL {2}TLS to no-such-host\.invalid:8443 .*: the name no-such-host\.invalid does not resolve/,
    );
    expect(fix).toContain('no-such-host.invalid');
    expect(lines.out.join('\n')).not.toMatch(/Allow|firewall|inbound|outbound/i);
    expect(lines.err.join('\n')).toContain('The server name no-such-host.invalid does not resolve.');
  });

  it('says the relay name does not resolve when relay.host has no address, for every relay step', async () => {
    const { t, email, password } = await serverWithAccount({ host: 'relay.invalid' });
    const { text } = await doctorFailingAtRelay(t, email, password);

    for (const step of [
      'STUN binding on UDP',
      'TURN allocation over UDP',
      'TURN allocation over TCP',
      'TURN allocation over TLS',
    ]) {
      expect(text).toMatch(
        new RegExp(`^FAIL {2}${step} relay\\.invalid:\\d+: the name relay\\.invalid does not resolve`, 'm'),
      );
    }
    expect(text).not.toMatch(/Allow|inbound/);
  });

  it('without an account checks TLS only; with a wrong pin fails TLS and says why; bad usage exits 2', async () => {
    const { t } = await serverWithAccount();
    const invite = await t.server.createInvite('doctor');

    const anonymous = io();
    expect(await runCli(['doctor', '--invite', invite], anonymous.cli)).toBe(EXIT_OK);
    expect(anonymous.lines.out.filter((line) => line.startsWith('PASS'))).toHaveLength(1);
    expect(anonymous.lines.out.filter((line) => line.startsWith('SKIP'))).toHaveLength(6);

    // A base64url pin starts with '-' one time in 64, and `--pin -x` reads as an option: the help and docs give
    // `--pin=PIN`, so a pin with a leading dash is tried on purpose every run. Its last character is changed too:
    // the server's own pin starts with '-' one run in 64, and the dashed pin was then the right one.
    const tampered = tamperLastCharacter(t.server.spkiPin);
    for (const otherPin of [tampered, `-${tampered.slice(1)}`]) {
      expect(otherPin).not.toBe(t.server.spkiPin);
      const wrongPin = io();
      const code = await runCli(
        ['doctor', '--url', `https://127.0.0.1:${t.server.port}`, `--pin=${otherPin}`],
        wrongPin.cli,
      );
      expect(code).toBe(EXIT_FAILED);
      expect(wrongPin.lines.out.join('\n')).toMatch(/FAIL {2}TLS to .*did not present the key your invite names/);
      expect(wrongPin.lines.out.join('\n')).toMatch(/exempt 127\.0\.0\.1 from TLS inspection/);
    }

    for (const argv of [
      ['doctor'],
      ['doctor', '--url', 'http://127.0.0.1:1', `--pin=${t.server.spkiPin}`],
      ['doctor', '--invite', invite, '--url', `https://127.0.0.1:${t.server.port}`],
      ['doctor', '--invite', invite, '--email', 'a@example.com'],
      ['doctor', '--invite', 'whoot://join?host=evil'],
    ]) {
      const bad = io();
      expect(await runCli(argv, bad.cli)).toBe(EXIT_USAGE);
      expect(bad.lines.out).toEqual([]);
    }
  });
});
