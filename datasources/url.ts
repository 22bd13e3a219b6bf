/** A path with every parameter URL-encoded: ``path`/users/${id}` `` can never escape its segment. */
export function path(strings: TemplateStringsArray, ...params: string[]): string {
  return strings.reduce((out, part, i) => out + part + (i < params.length ? encodeURIComponent(params[i]!) : ''), '');
}

/** `name=a,b,c` with every id URL-encoded and the separating commas kept, as batch endpoints expect. */
export function idList(name: string, ids: readonly string[]): string {
  return `${name}=${ids.map(encodeURIComponent).join(',')}`;
}
