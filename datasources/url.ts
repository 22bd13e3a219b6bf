import { badUserInput } from '../errors/graph-errors.js';

/** The longest id sent to a service; a longer one is the client's error, not the service's. */
export const MAX_ID_LENGTH = 256;

/**
 * Whether an id can be sent: not empty (`/users/` names no user: it is another path, or none,
 * in every service's document), well-formed text (no lone surrogate, which has no URL
 * encoding) and not too long.
 */
export function isValidId(id: string): boolean {
  return id.length > 0 && id.length <= MAX_ID_LENGTH && id.isWellFormed();
}

/** The id URL-encoded, or `BAD_USER_INPUT` for an id that cannot be sent. */
export function encodeId(id: string): string {
  if (!isValidId(id)) throw invalidId(id);
  return encodeURIComponent(id);
}

export function invalidId(id: string): Error {
  if (id.length === 0) return badUserInput('An id is never empty.');
  return badUserInput(
    id.length > MAX_ID_LENGTH
      ? `An id is at most ${MAX_ID_LENGTH} characters long (one has ${id.length}).`
      : 'An id must be well-formed text (one holds a lone surrogate).',
  );
}

/** A path with every parameter URL-encoded: ``path`/users/${id}` `` can never escape its segment. */
export function path(strings: TemplateStringsArray, ...params: string[]): string {
  return strings.reduce((out, part, i) => out + part + (i < params.length ? encodeId(params[i]!) : ''), '');
}

export interface BatchUrl {
  /** `{path}?{param}=a,b,c`, ids URL-encoded and the separating commas kept, as batch endpoints expect. */
  readonly url: string;
  readonly ids: readonly string[];
}

/**
 * Splits a batch into calls whose path and query stay within `maxLength` characters
 * (servers and proxies refuse longer request lines). An id too long to share a call
 * with any other goes alone.
 */
export function splitByUrlLength(path: string, param: string, ids: readonly string[], maxLength: number): BatchUrl[] {
  const prefix = `${path}?${param}=`;
  const calls: BatchUrl[] = [];
  let url = '';
  let chunk: string[] = [];
  for (const id of ids) {
    const encoded = encodeId(id);
    if (chunk.length > 0 && url.length + 1 + encoded.length > maxLength) {
      calls.push({ url, ids: chunk });
      chunk = [];
    }
    url = chunk.length === 0 ? prefix + encoded : `${url},${encoded}`;
    chunk.push(id);
  }
  if (chunk.length > 0) calls.push({ url, ids: chunk });
  return calls;
}
