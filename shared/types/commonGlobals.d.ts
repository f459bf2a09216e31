/**
 * The few WHATWG globals that every runtime whoot's common code runs in provides (Node 20, Chromium, Electron),
 * declared narrowly so the common layer can use them without pulling in either DOM or Node types. Only the
 * common tsconfig includes this file; the other layers get the full definitions from their own libs.
 */
declare class URLSearchParams {
  constructor(init?: Record<string, string> | string);
  get(name: string): string | null;
  keys(): IterableIterator<string>;
  toString(): string;
}

declare class URL {
  constructor(url: string, base?: string);
  readonly protocol: string;
  readonly username: string;
  readonly password: string;
  readonly host: string;
  readonly hostname: string;
  readonly port: string;
  readonly pathname: string;
  readonly search: string;
  readonly searchParams: URLSearchParams;
  readonly hash: string;
  readonly href: string;
}

/** WebCrypto's digest, present as `crypto.subtle` in Node 20, Chromium and Electron. */
declare const crypto: {
  readonly subtle: { digest(algorithm: 'SHA-256', data: Uint8Array): Promise<ArrayBuffer> };
};
