import { describe, expect, it } from 'vitest';
import { endpoints, resourceIdFor, type Endpoint } from './endpoints';

const all = Object.entries(endpoints) as Array<[string, Endpoint]>;

describe('REST contract', () => {
  it('has one endpoint per method and path', () => {
    const keys = all.map(([, e]) => `${e.method} ${e.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('gives every signed endpoint a distinct operation and a resource source that exists', () => {
    const operations = all.filter(([, e]) => e.auth === 'signed').map(([, e]) => e.operation);
    expect(new Set(operations).size).toBe(operations.length);
    for (const [name, e] of all) {
      if (e.auth !== 'signed') continue;
      expect(e.resource, name).toBeDefined();
      if (e.resource?.from === 'param') expect(e.path, name).toContain(`:${e.resource.name}`);
      if (e.resource?.from === 'params')
        for (const param of e.resource.names) expect(e.path, name).toContain(`:${param}`);
      if (e.resource?.from === 'body') {
        const shape = (e.body as unknown as { shape: Record<string, unknown> }).shape;
        expect(Object.keys(shape), name).toContain(e.resource.name);
      }
    }
  });

  it('signs every id a path names, so no path id can be swapped under a valid signature', () => {
    for (const [name, e] of all) {
      if (e.auth !== 'signed') continue;
      const pathParams = [...e.path.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]);
      const params = Object.fromEntries(pathParams.map((p) => [p!, `id-${p}`]));
      const resourceId = resourceIdFor(e, { params, body: {}, sessionId: 's' });
      for (const p of pathParams) expect(resourceId, name).toContain(`id-${p}`);
    }
  });

  it('gives relay-authenticated endpoints operations of their own, on no resource', () => {
    const relay = all.filter(([, e]) => e.auth === 'relay');
    expect(relay.map(([name]) => name)).toEqual(['relayRevocations', 'relaySessions']);
    const sessionOperations = all.filter(([, e]) => e.auth === 'signed').map(([, e]) => e.operation);
    for (const [name, e] of relay) {
      expect(sessionOperations, name).not.toContain(e.operation);
      expect(e.resource, name).toEqual({ from: 'none' });
    }
  });

  it('rejects unknown body fields on every endpoint', () => {
    // An inbound webhook input takes whatever JSON object an external system sends (docs/admin.md); it is the one
    // endpoint whose body is free-form, and it still refuses anything that is not an object.
    const freeForm = ['postInput'];
    for (const [name, e] of all) {
      if (freeForm.includes(name)) {
        expect(e.body.safeParse(['not', 'an', 'object']).success, name).toBe(false);
        continue;
      }
      expect(e.body.safeParse({ unexpectedField: 1 }).success, name).toBe(false);
    }
  });

  it('keeps credential-guessing surfaces on the strict rate-limit class', () => {
    for (const name of ['signUp', 'signIn', 'refresh', 'totpConfirm', 'acceptInvite'] as const) {
      expect(endpoints[name].rateClass).toBe('auth');
    }
  });
});
