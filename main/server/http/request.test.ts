import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HttpError } from './httpError';
import { isJsonContentType, parseJsonBody, parseRequestTarget, readBody } from './request';

describe('parseRequestTarget', () => {
  it.each([
    ['/v1/ping', ['v1', 'ping']],
    ['/v1/channels/abc-DEF_1.2~', ['v1', 'channels', 'abc-DEF_1.2~']],
    ['/v1/channels/%41bc', ['v1', 'channels', 'Abc']],
    ['/v1/na%C3%AFve', ['v1', 'naïve']],
    ['/', ['']],
    ['/v1//ping', ['v1', '', 'ping']],
  ])('%s -> %j', (target, segments) => {
    expect(parseRequestTarget(target)).toEqual({ ok: true, value: segments });
  });

  it.each([
    [undefined, 'bad_path'],
    ['', 'bad_path'],
    ['*', 'bad_path'],
    ['http://evil.example/v1/ping', 'bad_path'],
    ['v1/ping', 'bad_path'],
    ['/v1/ping?debug=1', 'unexpected_query'],
    ['/v1/ping?', 'unexpected_query'],
    ['/v1/ping#x', 'bad_path'],
    ['/v1/../admin', 'bad_path'],
    ['/v1/./ping', 'bad_path'],
    ['/v1/ping/..', 'bad_path'],
    ['/v1/%2e%2e/admin', 'bad_path'],
    ['/v1/%2E%2E/admin', 'bad_path'],
    ['/v1/%2e/ping', 'bad_path'],
    ['/v1/.%2e/admin', 'bad_path'],
    ['/v1/channels/a%2fb', 'bad_path'],
    ['/v1/channels/a%2Fb', 'bad_path'],
    ['/v1/channels/a%5cb', 'bad_path'],
    ['/v1/%252e%252e/admin', 'bad_path'],
    ['/v1/ping%00', 'bad_path'],
    ['/v1/ping%0d%0aX-Injected:%201', 'bad_path'],
    ['/v1/%c0%ae%c0%ae/admin', 'bad_path'],
    ['/v1/%ZZ', 'bad_path'],
    ['/v1/%4', 'bad_path'],
    ['/v1\\..\\admin', 'bad_path'],
    ['/v1/ping pong', 'bad_path'],
    ['/v1/"quoted"', 'bad_path'],
    ['/v1/naïve', 'bad_path'],
    [`/${'a'.repeat(3000)}`, 'bad_path'],
  ])('refuses %j with %s', (target, code) => {
    const parsed = parseRequestTarget(target);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.code).toBe(code);
  });

  it('never throws, and never yields a separator, dot segment or percent sign (property)', () => {
    const pathish = fc.string({
      unit: fc.constantFrom('/', '.', '%', '2', 'e', 'E', 'f', 'F', '5', 'c', '0', 'a', '\\', '?', ':', '~', 'é'),
      maxLength: 40,
    });
    fc.assert(
      fc.property(fc.oneof(pathish, fc.string(), fc.string({ unit: 'binary' })), (tail) => {
        const parsed = parseRequestTarget(`/${tail}`);
        if (!parsed.ok) return;
        for (const segment of parsed.value) {
          expect(segment).not.toMatch(/[/\\%]/);
          expect(['.', '..']).not.toContain(segment);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('isJsonContentType', () => {
  it.each([
    ['application/json', true],
    ['Application/JSON', true],
    ['application/json; charset=utf-8', true],
    ['application/json;charset="UTF-8"', true],
    ['application/json; charset=latin1', false],
    ['application/jsonp', false],
    ['text/plain', false],
    ['application/x-www-form-urlencoded', false],
    ['multipart/form-data; boundary=x', false],
    [undefined, false],
  ])('%s -> %s', (header, expected) => {
    expect(isJsonContentType(header)).toBe(expected);
  });
});

describe('readBody', () => {
  /** A request whose body is produced lazily, counting what the reader pulled. */
  function lazyRequest(totalBytes: number, headers: Record<string, string> = {}) {
    const pulled = { bytes: 0 };
    const chunk = Buffer.alloc(16 * 1024, 0x61);
    async function* produce() {
      for (let sent = 0; sent < totalBytes; sent += chunk.length) {
        pulled.bytes += chunk.length;
        yield chunk;
      }
    }
    const stream = Readable.from(produce(), { objectMode: false });
    return { req: Object.assign(stream, { headers }) as unknown as IncomingMessage, pulled };
  }

  it('reads a body within the limit', async () => {
    const { req } = lazyRequest(32 * 1024);
    expect((await readBody(req, 64 * 1024)).length).toBe(32 * 1024);
  });

  it('stops at the limit without pulling a 10 MB body into memory', async () => {
    const { req, pulled } = lazyRequest(10 * 1024 * 1024, { 'transfer-encoding': 'chunked' });
    await expect(readBody(req, 64 * 1024)).rejects.toMatchObject({ status: 413, code: 'payload_too_large' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(pulled.bytes).toBeLessThan(1024 * 1024);
  });

  it('refuses a declared Content-Length above the limit before reading a byte', async () => {
    const { req, pulled } = lazyRequest(10 * 1024 * 1024, { 'content-length': String(10 * 1024 * 1024) });
    await expect(readBody(req, 64 * 1024)).rejects.toBeInstanceOf(HttpError);
    expect(pulled.bytes).toBe(0);
  });

  it('reports a body that breaks off as a 400', async () => {
    const stream = new Readable({ read() {} });
    const req = Object.assign(stream, { headers: {} }) as unknown as IncomingMessage;
    const reading = readBody(req, 1024);
    stream.push('{"a":');
    stream.destroy(new Error('socket hang up'));
    await expect(reading).rejects.toMatchObject({ status: 400, code: 'bad_request' });
  });
});

describe('parseJsonBody', () => {
  it('parses JSON, treats an empty body as {} and refuses malformed JSON or invalid UTF-8', () => {
    expect(parseJsonBody(Buffer.from('{"a":[1,2]}'))).toEqual({ a: [1, 2] });
    expect(parseJsonBody(Buffer.alloc(0))).toEqual({});
    expect(() => parseJsonBody(Buffer.from('{"a":'))).toThrow(HttpError);
    expect(() => parseJsonBody(Buffer.from([0x22, 0xff, 0x22]))).toThrow(/not valid JSON/);
  });
});
