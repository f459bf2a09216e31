import { describe, expect, it } from 'vitest';
import { endpoints, type Endpoint } from './endpoints';

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
      if (e.resource?.from === 'body') {
        const shape = (e.body as unknown as { shape: Record<string, unknown> }).shape;
        expect(Object.keys(shape), name).toContain(e.resource.name);
      }
    }
  });

  it('rejects unknown body fields on every endpoint', () => {
    for (const [name, e] of all) {
      expect(e.body.safeParse({ unexpectedField: 1 }).success, name).toBe(false);
    }
  });

  it('keeps credential-guessing surfaces on the strict rate-limit class', () => {
    for (const name of ['signUp', 'signIn', 'refresh', 'totpConfirm', 'acceptInvite'] as const) {
      expect(endpoints[name].rateClass).toBe('auth');
    }
  });
});
