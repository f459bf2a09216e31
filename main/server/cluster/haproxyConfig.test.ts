import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrCreateCertificate } from '../http/certificate';
import { checkHaproxyConfig, haproxyConfig, parseFrontDoorConfig } from './haproxyConfig';

const dir = mkdtempSync(join(tmpdir(), 'whoot-haproxy-cfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = {
  bind: { host: '0.0.0.0', port: 443 },
  nodes: [
    { name: 'node1', host: '10.0.0.11', port: 8443 },
    { name: 'node2', host: 'whoot-2.internal', port: 8443 },
    { name: 'node3', host: 'fd00::13', port: 8443 },
  ],
  maxConnections: 4_000,
};

describe('the generated haproxy.cfg', () => {
  it('is a file HAProxy accepts, in TCP mode, checking /v1/ready over TLS on every node', async () => {
    const text = haproxyConfig(base);
    const checked = await checkHaproxyConfig(text);
    expect(checked).toStrictEqual({ ok: true, value: undefined });
    expect(text).toContain('    mode tcp');
    expect(text).not.toMatch(/mode http|ssl crt|stick|cookie|balance source/);
    expect(text).toContain('http-check send meth GET uri /v1/ready ver HTTP/1.1 hdr Host whoot');
    expect(text).toContain('    server node3 [fd00::13]:8443');
    expect(text).toMatch(/default-server check check-ssl verify none inter 2000ms fall 2 rise 2/);
    expect(text).toContain('timeout check 2000ms');
  });

  it("verifies the check's TLS against the nodes' certificate when given one", async () => {
    await loadOrCreateCertificate({ dataDir: dir, hostnames: ['127.0.0.1'] });
    const caFile = join(dir, 'tls', 'server-cert.pem');
    const text = haproxyConfig({ ...base, check: { caFile } });
    expect(text).toContain(`verify required ca-file ${caFile}`);
    expect(await checkHaproxyConfig(text)).toMatchObject({ ok: true });
  });

  it('refuses values that would be read as configuration syntax, naming the key, and writes nothing', () => {
    const hostile = [
      { ...base, nodes: [{ name: 'node1\n    server evil 203.0.113.9', host: '10.0.0.11', port: 8443 }] },
      { ...base, nodes: [{ name: 'node1', host: '10.0.0.11 backup', port: 8443 }] },
      { ...base, bind: { host: '0.0.0.0', port: 443 }, statsSocket: '/run/h.sock level admin\nuser root' },
      { ...base, check: { caFile: 'relative.pem' } },
      { ...base, nodes: [base.nodes[0], base.nodes[0]] },
      { ...base, nodes: [] },
      { ...base, extra: 'unknown key' },
    ];
    for (const input of hostile) {
      const parsed = parseFrontDoorConfig(input);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.error.message).toMatch(/front door configuration/);
      expect(() => haproxyConfig(input as never)).toThrow(/front door configuration/);
    }
  });

  it("reports HAProxy's own complaint about a file it refuses", async () => {
    const checked = await checkHaproxyConfig(`${haproxyConfig(base)}\n    not-a-keyword here\n`);
    expect(checked.ok).toBe(false);
    if (!checked.ok) expect(checked.error.message).toMatch(/not-a-keyword/);
  });
});
