/**
 * RFC 5861 `stale-if-error` for every kind of failure. undici's cache serves a stale answer
 * itself when revalidation gets a 5xx; this covers what it cannot see: refused connections,
 * time-outs, and calls the circuit breaker or the concurrency limit never let through.
 */
import type { cacheStores } from 'undici';

export type CacheStore = InstanceType<typeof cacheStores.MemoryCacheStore>;

/** The stored answer to `GET path`, when it may still be served after a failure; `undefined` otherwise. */
export async function staleIfError(
  store: CacheStore,
  key: { origin: string; path: string; headers: Record<string, string> },
): Promise<{ status: number; body: Buffer } | undefined> {
  const entry = await store.get({ origin: key.origin, method: 'GET', path: key.path, headers: key.headers });
  if (entry === undefined || entry === null || entry.statusCode !== 200) return undefined;
  const directives = entry.cacheControlDirectives ?? {};
  const allowedSeconds = directives['stale-if-error'];
  if (allowedSeconds === undefined || directives['must-revalidate'] === true || directives['proxy-revalidate'] === true) return undefined;
  if (Date.now() > entry.staleAt + allowedSeconds * 1000) return undefined;
  const chunks = entry.body === undefined || entry.body === null ? [] : Array.from(entry.body as Iterable<Buffer>);
  return { status: entry.statusCode, body: Buffer.concat(chunks) };
}
