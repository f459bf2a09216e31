/** The one error shape every boundary (IPC, REST, WS) returns: a stable machine-readable code and a sentence for people. */
export interface WhootError {
  readonly code: string;
  readonly message: string;
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: WhootError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

export const fail = (code: string, message: string): Result<never> => ({ ok: false, error: { code, message } });
