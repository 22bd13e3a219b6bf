import type { ErrorHandling } from '../errors/error-mode.js';
import type { ServiceName } from '../errors/service-name.js';

/**
 * Request lifetime: what every call made for one GraphQL request carries, and who made the
 * request. The one place the request id lives; a saga run of the queue gets a scope of its own.
 */
export interface RequestScope {
  readonly requestId: string;
  /** The caller's `authorization` header, forwarded to the services that take it. */
  readonly authorization: string | undefined;
  /** Aborted when nobody waits for the answer any more: the client went away, or (`onError: HALT`) the operation halted. */
  readonly signal: AbortSignal;
  /** Counted while the request may halt: its calls in flight, which a halt cancels. */
  readonly calls?: { inFlight: number };
  /** `performance.now()` when the request began. */
  readonly startedAt?: number;
  /** When the operation's budget runs out (epoch ms): no call outlives it. */
  readonly deadline: number;
  /** Filled in by the tracer when the operation starts: the parent of this request's upstream spans. */
  readonly trace?: { parent?: unknown };
  /** When the client asked for it (`x-graph-upstream-calls`): every attempt of this request, as it ends. */
  readonly callLog?: UpstreamCallRecord[];
}

/** One attempt at an upstream call, for the developer's list in the answer's extensions. */
export interface UpstreamCallRecord {
  readonly service: ServiceName;
  readonly method: string;
  readonly route: string;
  readonly attempt: number;
  /** When it started, in ms since the request began. */
  readonly startMs: number;
  readonly durationMs: number;
  readonly status: number | null;
  readonly outcome: string;
  readonly batchSize: number | null;
  readonly cacheHit: boolean;
  /** Answered by the service's cache without an attempt of its own: from memory, or by joining the same read in flight. */
  readonly cache: 'memory' | 'redis' | 'in-flight' | null;
  /** The service's adaptive concurrency limit when the attempt started. */
  readonly concurrencyLimit: number;
}

/** What a call needs of its request: when it must be over, and whether anyone still waits for it. */
export type CallLimits = Pick<RequestScope, 'deadline' | 'signal'>;

/** Who made a request, and on whose authority: what a write made on their behalf carries. */
export type Caller = Pick<RequestScope, 'requestId' | 'authorization'>;

/** The part of a request's GraphQL context every layer may read: the request and its scope. */
export interface ScopedContext {
  /** The HTTP request (its headers carry the caller's trace context). */
  readonly request: Request;
  /** The request's scope; its `trace` is filled in by the tracer when the operation starts. */
  readonly scope: RequestScope & { readonly trace: { parent?: unknown } };
  /** What a field error does in this request (`onError`), and whether it halted. */
  readonly onError: ErrorHandling;
}
