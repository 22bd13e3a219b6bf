/**
 * Where a V8 profile's frame is, as the profiling tools (profile.ts, allocations.ts) group it: by
 * package (`undici`), by the graph's folder (`dist/datasources` as `datasources`), by a reference's
 * file (`bench/mercurius`), by Node's module (`node:events`), else V8's own (`(vm)`).
 */
export interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

export function placeOf(url: string): string {
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules !== null) return modules[1]!;
  if (url.startsWith('node:')) return url;
  const own = /\/dist\/([^/]+)\//.exec(url) ?? /\/(bench\/[^/]+)\//.exec(url);
  return own === null ? url || '(vm)' : own[1]!;
}

/** A function and its line, within its package or folder: `onResponseEnd datasources:153`. */
export function frameOf({ functionName, url, lineNumber }: CallFrame): string {
  return `${functionName || '(anonymous)'} ${placeOf(url)}:${lineNumber + 1}`;
}
