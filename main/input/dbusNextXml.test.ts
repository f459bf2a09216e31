import { createRequire } from 'node:module';
import { interface as dbusInterface, sessionBus, type MessageBus } from 'dbus-next';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toDbusNextAddress } from './dbusAddress';
import { privateBusUnavailable, startPrivateBus, type PrivateBus } from './testing/privateBus';

/**
 * dbus-next has no maintained release and asks for xml2js ^0.4.17, whose 0.4.23 lets XML keys such as `__proto__`
 * replace an object's prototype (GHSA-776f-qx25-q3cc, fixed in 0.5). package.json's `overrides` gives it a fixed
 * xml2js; these tests load xml2js exactly as dbus-next does, and prove dbus-next still works with it.
 */
const fromDbusNext = createRequire(createRequire(import.meta.url).resolve('dbus-next'));

interface Xml2js {
  Parser: new () => { parseString(xml: string, done: (error: Error | null, result: unknown) => void): void };
}

describe("dbus-next's xml2js", () => {
  it('keeps a __proto__ element as data instead of letting it replace a prototype', async () => {
    const xml2js = fromDbusNext('xml2js') as Xml2js;
    const parsed = await new Promise<{ root: object }>((resolve, reject) =>
      new xml2js.Parser().parseString(
        '<root><__proto__><polluted>yes</polluted></__proto__></root>',
        (error, result) => (error ? reject(error) : resolve(result as { root: object })),
      ),
    );
    expect(Object.keys(parsed.root)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(parsed.root)).toBe(Object.prototype);
    expect((parsed.root as { polluted?: unknown }).polluted).toBeUndefined();
  });
});

const unavailable = privateBusUnavailable();
if (unavailable !== null) console.log(`dbus-next introspection test skipped: ${unavailable}`);

describe.skipIf(unavailable !== null)('dbus-next with the overridden xml2js', () => {
  let bus: PrivateBus;
  const connections: MessageBus[] = [];

  async function connect(): Promise<MessageBus> {
    const connection = sessionBus({ busAddress: toDbusNextAddress(bus.address) as string });
    connection.on('error', () => undefined);
    connections.push(connection);
    await new Promise<void>((resolve) => connection.once('connect', () => resolve()));
    return connection;
  }

  beforeAll(async () => {
    bus = await startPrivateBus();
  });
  afterAll(async () => {
    for (const connection of connections) connection.disconnect();
    await bus?.stop();
  });

  it('introspects a service (xml2js builds the answer, and parses it at the caller) and calls its method', async () => {
    class Greeter extends dbusInterface.Interface {
      Greet(name: string): string {
        return `hello ${name}`;
      }
    }
    Greeter.configureMembers({ methods: { Greet: { inSignature: 's', outSignature: 's' } } });
    const service = await connect();
    service.export('/org/whoot/Test', new Greeter('org.whoot.Test'));
    // The unique name the bus gave the service's connection (dbus-next sets it, its types leave it out).
    const { name } = service as MessageBus & { name: string };
    const caller = await connect();

    const proxy = await caller.getProxyObject(name, '/org/whoot/Test');
    const greeter = proxy.getInterface('org.whoot.Test') as unknown as { Greet(name: string): Promise<string> };
    expect(await greeter.Greet('ada')).toBe('hello ada');
    const root = await caller.getProxyObject(name, '/org/whoot');
    expect(root.nodes).toEqual(['/org/whoot/Test']);
  });
});
