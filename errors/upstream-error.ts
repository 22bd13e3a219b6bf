/**
 * The errors of the upstreams. Every upstream failure becomes one
 * `UpstreamError` whose extensions say what happened (`code`), where (`service`) and,
 * when there was an answer, its HTTP status (`upstreamStatus`). The underlying cause is
 * kept on the error for the log and never serialised to the client.
 */
import { GraphQLError } from 'graphql';
import type { UpstreamErrorCode } from './codes.js';
import type { ServiceName } from './service-name.js';

const DESCRIPTIONS: Record<UpstreamErrorCode, string> = {
  UPSTREAM_TIMEOUT: 'did not answer in time',
  UPSTREAM_UNAVAILABLE: 'is unavailable',
  UPSTREAM_BAD_RESPONSE: 'answered with an unexpected response',
  UPSTREAM_REJECTED: 'rejected the request',
};

/**
 * What went wrong with a call, for the graph's own policies (retry, circuit breaker); the
 * client sees its consequences in `code`, `retryable`, `circuit` and `overloaded`.
 */
export type UpstreamFailure =
  /** Refused, reset, or closed before the whole answer arrived. */
  | 'connection'
  /** An answer whose status is an error (5xx, 429, other 4xx). */
  | 'status'
  /** The service's own time limit for one call ran out. */
  | 'timeout'
  /** The operation's budget ran out (`REQUEST_TIMEOUT_MS`): not the service's fault. */
  | 'deadline'
  /** The client went away; nobody is waiting for the answer. */
  | 'aborted'
  /** The circuit breaker is open: the service was not called. */
  | 'circuit-open'
  /**
   * The graph's own overload, not the service's: the line to the service was full (it was not
   * called), or the event loop was too busy to read its answer within the time limit.
   */
  | 'overloaded'
  /** A 2xx answer that is not the promised JSON, or too large. */
  | 'bad-response';

/** Statuses after which the same call may well succeed. */
const TRANSIENT_STATUSES = new Set([429, 502, 503, 504]);

// A type alias, not an interface, so that it fits GraphQLError's extensions record.
export type UpstreamErrorExtensions = {
  code: UpstreamErrorCode;
  service: ServiceName;
  upstreamStatus?: number;
  /** Whether the same request may succeed if the client sends it again later. */
  retryable: boolean;
  /** How long to wait before that, where known (the service's `Retry-After`, the breaker's pause). */
  retryAfterMs?: number;
  /** `"open"` when the service was not called because its circuit breaker is open. */
  circuit?: 'open';
  /** `true` when the failure is the graph's own overload, not the service's (never counted against its circuit). */
  overloaded?: true;
};

export interface UpstreamErrorDetails {
  readonly failure: UpstreamFailure;
  readonly upstreamStatus?: number | undefined;
  readonly retryAfterMs?: number | undefined;
  readonly cause?: unknown;
}

export class UpstreamError extends GraphQLError {
  declare readonly extensions: UpstreamErrorExtensions & Record<string, unknown>;
  /** Not serialised: for the retry and breaker policies. */
  readonly failure: UpstreamFailure;
  readonly upstreamStatus: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: UpstreamErrorCode, service: ServiceName, details: UpstreamErrorDetails) {
    const { failure, upstreamStatus: status, retryAfterMs } = details;
    const extensions: UpstreamErrorExtensions = { code, service, retryable: isRetryable(failure, status) };
    if (status !== undefined) extensions.upstreamStatus = status;
    if (retryAfterMs !== undefined) extensions.retryAfterMs = retryAfterMs;
    if (failure === 'circuit-open') extensions.circuit = 'open';
    if (failure === 'overloaded') extensions.overloaded = true;
    // The message is built from our own words only: never the upstream's URL or body. An expected
    // outcome, not a bug: no stack is captured for it (errors/stack-traces.ts).
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      super(`The ${service} service ${DESCRIPTIONS[code]}${status === undefined ? '' : ` (HTTP ${status})`}${REASONS[failure]}.`, {
        extensions,
      });
    } finally {
      Error.stackTraceLimit = limit;
    }
    this.failure = failure;
    this.upstreamStatus = status;
    this.retryAfterMs = retryAfterMs;
    // Kept for the log. Not passed as `originalError`: that is what error masking inspects.
    Object.defineProperty(this, 'cause', { value: details.cause, enumerable: false });
    // Its stack is its first line, named as the log has always named it; graphql-js copies it
    // into the located error of every field it fails.
    Object.defineProperty(this, 'stack', {
      value: `UpstreamError: ${this.message}`,
      enumerable: false,
      writable: true,
      configurable: true,
    });
  }
}

const REASONS: Record<UpstreamFailure, string> = {
  connection: '',
  status: '',
  timeout: '',
  deadline: ' within the time left for this request',
  aborted: '',
  'circuit-open': ' (circuit open after repeated failures)',
  overloaded: ' (the graph is overloaded)',
  'bad-response': '',
};

function isRetryable(failure: UpstreamFailure, status: number | undefined): boolean {
  switch (failure) {
    case 'status':
      return status !== undefined && TRANSIENT_STATUSES.has(status);
    case 'bad-response':
      return false;
    default:
      return true;
  }
}

/** Whether the graph itself may send the call again (for idempotent calls only). */
export function isTransient(error: UpstreamError): boolean {
  if (error.failure === 'connection') return true;
  return error.failure === 'status' && error.upstreamStatus !== undefined && TRANSIENT_STATUSES.has(error.upstreamStatus);
}

/** Whether the failure says something about the service's health (for its circuit breaker). */
export function isServiceFault(error: UpstreamError): boolean {
  switch (error.failure) {
    case 'connection':
    case 'timeout':
    case 'bad-response':
      return true;
    case 'status':
      return error.upstreamStatus !== undefined && (error.upstreamStatus >= 500 || error.upstreamStatus === 429);
    default:
      return false;
  }
}
