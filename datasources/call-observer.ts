/**
 * What the data sources tell whoever watches them (metrics, traces, the developer's call
 * list), without knowing who that is: each attempt at an upstream call as it starts and
 * ends, and each DataLoader batch. Labels are bounded by construction: a route is the
 * template of the path (`/users/{id}`), never the path with its ids.
 */
import type { UpstreamFailure } from '../errors/upstream-error.js';
import type { ServiceName } from '../errors/service-name.js';
import type { CacheResult } from './upstream-cache.js';

/** Where a cached answer came from. */
export type CacheTier = 'memory' | 'redis';

export interface UpstreamCallStart {
  readonly service: ServiceName;
  /** The path's template, e.g. `/users/{userId}/orders`. */
  readonly route: string;
  readonly method: string;
  /** 1 for the first attempt, 2 for the first retry, … */
  readonly attempt: number;
  /** Ids carried, for a batch call. */
  readonly batchSize: number | undefined;
  readonly requestId: string;
  /** The request's trace, as the tracer left it in the request scope (opaque here). */
  readonly trace: unknown;
}

export interface UpstreamCallEnd {
  /** The answer's status, when there was one. */
  readonly status: number | undefined;
  /** `ok`, or what went wrong. */
  readonly outcome: 'ok' | UpstreamFailure;
  /** Answered by the graph's HTTP cache. */
  readonly cacheHit: boolean;
}

export interface CallHandle {
  /** Headers the attempt must carry (e.g. W3C `traceparent`). */
  readonly headers: Readonly<Record<string, string>>;
  /** Called once, when the attempt ends. */
  end(end: UpstreamCallEnd): void;
}

export interface CallObserver {
  /** An attempt starts. */
  callStarted(call: UpstreamCallStart): CallHandle;
  /** A DataLoader batch of `size` keys is dispatched; the function returned is called when it is answered. */
  batchDispatched(loader: string, size: number, trace: unknown): () => void;
  /** A read met the service's cache (upstream-cache.ts). */
  cacheLookup?(service: ServiceName, tier: CacheTier, result: CacheResult): void;
  /** A write bumped the versions of `tags` tags of the service's cache. */
  cacheInvalidated?(service: ServiceName, tags: number): void;
}

/** The headers of a handle that adds none: the same object every time, so that nothing is merged or copied for it. */
export const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** Several observers as one. */
export function observers(...all: CallObserver[]): CallObserver {
  return {
    callStarted: (call) => {
      // A call's handles, their headers merged only when one adds some (none do without a trace).
      const handles = all.map((observer) => observer.callStarted(call));
      let headers = NO_HEADERS;
      for (const handle of handles)
        if (handle.headers !== NO_HEADERS)
          headers = headers === NO_HEADERS ? { ...handle.headers } : Object.assign(headers, handle.headers);
      return {
        headers,
        end: (end) => {
          for (const handle of handles) handle.end(end);
        },
      };
    },
    batchDispatched: (loader, size, trace) => {
      const ends = all.map((observer) => observer.batchDispatched(loader, size, trace));
      return () => ends.forEach((end) => end());
    },
    cacheLookup: (service, tier, result) => {
      for (const observer of all) observer.cacheLookup?.(service, tier, result);
    },
    cacheInvalidated: (service, tags) => {
      for (const observer of all) observer.cacheInvalidated?.(service, tags);
    },
  };
}

/** What an end that tells nothing does. */
export const NOTHING = (): void => undefined;

/** The handle of an attempt nothing is told about. */
export const UNOBSERVED: CallHandle = Object.freeze({ headers: NO_HEADERS, end: NOTHING });

export const NO_OBSERVER: CallObserver = { callStarted: () => UNOBSERVED, batchDispatched: () => NOTHING };
