/**
 * Route path templates ('/v1/workspaces/:workspaceId/channels') compiled to segment lists and matched segment by
 * segment: no regular expression is ever built from a template or a request, so neither can inject one.
 */
export type Segment =
  { readonly kind: 'static'; readonly value: string } | { readonly kind: 'param'; readonly name: string };

export interface CompiledPath {
  readonly template: string;
  readonly segments: readonly Segment[];
  /** The template with parameter names erased: two routes with the same shape and method would be ambiguous. */
  readonly shape: string;
}

/** The names a template declares, as a type, so a handler's `params` has exactly those keys. */
export type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;
export type PathParams<P extends string> = { readonly [K in ParamNames<P>]: string };

const STATIC_SEGMENT = /^[a-z0-9][a-z0-9._-]*$/;
const PARAM_SEGMENT = /^:([A-Za-z][A-Za-z0-9]*)$/;
/** What a path parameter may hold unless its route's schema narrows it: ids, slugs, base64url tokens. */
const PARAM_VALUE = /^[A-Za-z0-9._~-]{1,128}$/;

export function compilePath(template: string): CompiledPath {
  if (!template.startsWith('/') || template.length > 512) throw new Error(`Bad route path: ${template}`);
  const names = new Set<string>();
  const segments = template
    .slice(1)
    .split('/')
    .map((text): Segment => {
      const param = PARAM_SEGMENT.exec(text);
      if (param?.[1] !== undefined) {
        if (names.has(param[1])) throw new Error(`Route path ${template} repeats :${param[1]}`);
        names.add(param[1]);
        return { kind: 'param', name: param[1] };
      }
      if (!STATIC_SEGMENT.test(text)) throw new Error(`Bad segment "${text}" in route path ${template}`);
      return { kind: 'static', value: text };
    });
  const shape = `/${segments.map((segment) => (segment.kind === 'static' ? segment.value : ':')).join('/')}`;
  return { template, segments, shape };
}

/** The parameters when `path` (decoded segments) fits the template, else null. */
export function matchPath(compiled: CompiledPath, path: readonly string[]): Record<string, string> | null {
  if (path.length !== compiled.segments.length) return null;
  const params: Record<string, string> = {};
  for (const [index, segment] of compiled.segments.entries()) {
    const value = path[index] ?? '';
    if (segment.kind === 'static') {
      if (value !== segment.value) return null;
    } else {
      if (!PARAM_VALUE.test(value)) return null;
      params[segment.name] = value;
    }
  }
  return params;
}

/**
 * Orders two templates that both match a path: the one with a fixed segment where the other has a parameter, at
 * the first place they differ, is the more specific ('/v1/workspaces/mine' before '/v1/workspaces/:id').
 */
export function compareSpecificity(a: CompiledPath, b: CompiledPath): number {
  for (const [index, segment] of a.segments.entries()) {
    const other = b.segments[index];
    if (other === undefined || segment.kind === other.kind) continue;
    return segment.kind === 'static' ? -1 : 1;
  }
  return 0;
}
