import { describe, expect, it } from 'vitest';
import { meshAllocationsPerMember, meshReturnMembersOf, sfuConfigSchema } from './sfuConfig';

const external = (url: string) => ({
  enabled: true,
  janus: {
    kind: 'external',
    url,
    apiSecretFile: '/etc/whoot/janus-api-secret',
    adminKeyFile: '/etc/whoot/janus-admin-key',
    rtpPorts: { min: 20000, max: 20999 },
    iceAddress: '10.0.0.6',
  },
});

describe('the sfu configuration', () => {
  it('is off by default, with a child Janus from Debian and the mesh line at 6 (return at 4)', () => {
    const sfu = sfuConfigSchema.parse(undefined);
    expect(sfu).toMatchObject({ enabled: false, meshMaxMembers: 6, maxMembers: 100, janus: { kind: 'child' } });
    expect(meshReturnMembersOf(sfu)).toBe(4);
    expect(meshReturnMembersOf(sfuConfigSchema.parse({ meshMaxMembers: 2 }))).toBe(1);
  });

  it('refuses a return line at or above the mesh line, and keys it does not know', () => {
    expect(sfuConfigSchema.safeParse({ meshMaxMembers: 6, meshReturnMembers: 6 }).success).toBe(false);
    expect(sfuConfigSchema.safeParse({ enabled: true, janusUrl: 'ws://10.0.0.6:8188/' }).success).toBe(false);
    expect(sfuConfigSchema.safeParse({ janus: { kind: 'child', rtpPorts: { min: 21000, max: 20000 } } }).success).toBe(
      false,
    );
  });

  it('reaches a Janus run apart on a Unix socket or a private address, never a public one', () => {
    for (const url of [
      'ws+unix:///run/whoot/janus.sock',
      'ws://10.0.0.6:8188/',
      'ws://192.168.1.20:8188',
      'ws://127.0.0.1:8188/',
    ]) {
      expect(sfuConfigSchema.safeParse(external(url)).success, url).toBe(true);
    }
    for (const url of [
      'ws://203.0.113.9:8188/',
      'ws://8.8.8.8:8188/',
      'ws://0.0.0.0:8188/',
      'ws://224.0.0.1:8188/',
      'ws://10.0.0.6:0/',
      'ws://10.0.0.6:70000/',
      'ws://janus.internal:8188/',
      'wss://10.0.0.6:8188/',
      'http://10.0.0.6:8088/janus',
      'ws+unix://relative.sock',
    ]) {
      expect(sfuConfigSchema.safeParse(external(url)).success, url).toBe(false);
    }
  });

  it('counts the relay allocations a mesh member at the line holds: one per other member and TURN URL', () => {
    expect(meshAllocationsPerMember(6, 2)).toBe(10);
    expect(meshAllocationsPerMember(6, 3)).toBe(15);
    expect(meshAllocationsPerMember(2, 2)).toBe(2);
  });
});
