/**
 * Cross-origin access, as the operator sets it: which pages on other origins may call the
 * graph from a browser, and whether with the user's credentials (cookies, HTTP auth).
 *
 * An origin on the list gets what GraphQL over HTTP needs: its methods and request headers,
 * how long a preflight holds (`access-control-max-age`), and the response headers browser
 * code may read (`x-request-id`, `retry-after`). Any other origin gets no
 * `access-control-allow-*` header at all, so its page cannot read an answer. Every answer to
 * a request with an `Origin` varies by it.
 */
import type { Plugin } from 'graphql-yoga';
import { z } from 'zod';
import { ON_ERROR_HEADER } from '../errors/error-mode.js';
import { CSRF_HEADER } from './csrf-prevention.js';

export interface CorsSettings {
  /**
   * Origins whose pages may call the graph: exact (`https://app.example.com`), a port wildcard
   * for local development (`http://localhost:*`), or `*` (any, only without credentials).
   * @default "http://localhost:*,http://127.0.0.1:*,http://[::1]:*", none in production (`CORS_ORIGINS`: comma-separated)
   */
  readonly origins: readonly string[];
  /**
   * Whether those pages may send the user's credentials (cookies, HTTP auth) and read the answer.
   * @default off (`CORS_CREDENTIALS`: `on` or `off`)
   */
  readonly credentials: boolean;
}

/** Local development: GraphiQL on this machine, a dev server on any port. */
export const LOCAL_ORIGINS = ['http://localhost:*', 'http://127.0.0.1:*', 'http://[::1]:*'] as const;

/** An origin as `CORS_ORIGINS` may name one: `*`, or scheme://host with an optional port or `:*`. */
export const corsOrigin = z
  .string()
  .regex(/^(\*|https?:\/\/(\[[0-9a-f:]+\]|[a-z0-9.-]+)(:(\d{1,5}|\*))?)$/i, 'an origin is scheme://host[:port], scheme://host:* or *');

/** What a browser may send, and read, across origins. */
const METHODS = ['GET', 'POST', 'OPTIONS'];
const REQUEST_HEADERS = [
  'accept',
  'authorization',
  'content-type',
  'x-request-id',
  'traceparent',
  'tracestate',
  CSRF_HEADER,
  ON_ERROR_HEADER,
];
const EXPOSED_HEADERS = ['x-request-id', 'retry-after'];
/** How long a browser may keep a preflight's answer: 10 minutes. */
const MAX_AGE_S = 600;

/** Whether a page on `origin` may call the graph. */
export function corsAllows(settings: CorsSettings, origin: string): boolean {
  return settings.origins.some((allowed) => {
    if (allowed === '*') return true;
    if (!allowed.endsWith(':*')) return allowed.toLowerCase() === origin.toLowerCase();
    const base = allowed.slice(0, -2).toLowerCase();
    const lower = origin.toLowerCase();
    return lower === base || (lower.startsWith(`${base}:`) && /^\d{1,5}$/.test(lower.slice(base.length + 1)));
  });
}

/** What yoga's CORS plugin sends an allowed origin (its `CORSOptions`). */
interface CorsAnswer {
  readonly origin: string[];
  readonly methods: string[];
  readonly allowedHeaders: string[];
  readonly exposedHeaders: string[];
  readonly credentials: boolean;
  readonly maxAge: number;
}

/**
 * Yoga's `cors` option: the headers for an origin on the list, nothing for any other.
 * `requestHeaders`: the graph's own request headers besides GraphQL over HTTP's.
 */
export function corsOptions(settings: CorsSettings, requestHeaders: readonly string[] = []): (request: Request) => CorsAnswer | false {
  const allowedHeaders = [...REQUEST_HEADERS, ...requestHeaders];
  return (request) => {
    const origin = request.headers.get('origin');
    if (origin === null || !corsAllows(settings, origin)) return false;
    return {
      origin: [origin],
      methods: METHODS,
      allowedHeaders,
      exposedHeaders: EXPOSED_HEADERS,
      credentials: settings.credentials,
      maxAge: MAX_AGE_S,
    };
  };
}

/** Adds `name` to an answer's `Vary`, unless it is there already. */
export function varyOn(headers: Headers, name: string): void {
  const vary = headers.get('vary');
  if (vary === null) headers.set('vary', name);
  else if (!vary.split(',').some((each) => each.trim().toLowerCase() === name.toLowerCase())) headers.set('vary', `${vary}, ${name}`);
}

/**
 * `Vary: Origin` on every answer to a request that has one: whether it carries the headers
 * depends on the origin, so a cache must not hand one origin's answer to another.
 */
export function useVaryOnOrigin(): Plugin {
  return {
    onResponse({ request, response }) {
      if (request.headers.has('origin')) varyOn(response.headers, 'Origin');
    },
  };
}
