/** A path with every parameter URL-encoded: ``path`/users/${id}` `` can never escape its segment. */
export function path(strings: TemplateStringsArray, ...params: string[]): string {
  return strings.reduce((out, part, i) => out + part + (i < params.length ? encodeURIComponent(params[i]!) : ''), '');
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
    const encoded = encodeURIComponent(id);
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
