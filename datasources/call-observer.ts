/**
 * What the data sources tell whoever watches them (metrics, traces, the developer's call
 * list), without knowing who that is: each attempt at an upstream call as it starts and
 * ends, and each DataLoader batch. Labels are bounded by construction: a route is the
 * template of the path (`/users/{id}`), never the path with its ids.
 */
import type { UpstreamFailure } from '../server/errors.js';
import type { ServiceName } from '../server/config.js';

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
}

export interface UpstreamCallEnd {
  /** The answer's status, when there was one. */
  readonly status: number | undefined;
  /** `ok`, or what went wrong. */
  readonly outcome: 'ok' | UpstreamFailure;
  /** Answered by the graph's HTTP cache. */
  readonly cacheHit: boolean;
}

export interface CallObserver {
  /** An attempt starts; the function returned is called once when it ends. */
  callStarted(call: UpstreamCallStart): (end: UpstreamCallEnd) => void;
  /** A DataLoader batch of `size` keys is dispatched. */
  batchDispatched(loader: string, size: number): void;
}

/** Several observers as one. */
export function observers(...all: CallObserver[]): CallObserver {
  return {
    callStarted: (call) => {
      const ends = all.map((observer) => observer.callStarted(call));
      return (end) => ends.forEach((finish) => finish(end));
    },
    batchDispatched: (loader, size) => all.forEach((observer) => observer.batchDispatched(loader, size)),
  };
}

export const NO_OBSERVER: CallObserver = { callStarted: () => () => undefined, batchDispatched: () => undefined };
