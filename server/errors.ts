/**
 * The error taxonomy clients can match on. Every upstream failure becomes one
 * `UpstreamError` whose extensions say what happened (`code`), where (`service`) and,
 * when there was an answer, its HTTP status (`upstreamStatus`). The underlying cause is
 * kept on the error for the log and never serialised to the client.
 */
import { GraphQLError } from 'graphql';
import type { ServiceName } from './config.js';

export type UpstreamErrorCode =
  /** No complete answer within the call's time limit. */
  | 'UPSTREAM_TIMEOUT'
  /** Refused, reset, or a 5xx answer. */
  | 'UPSTREAM_UNAVAILABLE'
  /** A 2xx answer that is not the promised JSON shape, or too large. */
  | 'UPSTREAM_BAD_RESPONSE'
  /** A 4xx answer other than a 404 the contract defines. */
  | 'UPSTREAM_REJECTED';

export type ErrorCode = UpstreamErrorCode | 'BAD_USER_INPUT';

const DESCRIPTIONS: Record<UpstreamErrorCode, string> = {
  UPSTREAM_TIMEOUT: 'did not answer in time',
  UPSTREAM_UNAVAILABLE: 'is unavailable',
  UPSTREAM_BAD_RESPONSE: 'answered with an unexpected response',
  UPSTREAM_REJECTED: 'rejected the request',
};

// A type alias, not an interface, so that it fits GraphQLError's extensions record.
export type UpstreamErrorExtensions = {
  code: UpstreamErrorCode;
  service: ServiceName;
  upstreamStatus?: number;
};

export class UpstreamError extends GraphQLError {
  declare readonly extensions: UpstreamErrorExtensions & Record<string, unknown>;

  constructor(
    code: UpstreamErrorCode,
    service: ServiceName,
    details: { upstreamStatus?: number | undefined; cause?: unknown } = {},
  ) {
    const status = details.upstreamStatus;
    const extensions: UpstreamErrorExtensions = { code, service };
    if (status !== undefined) extensions.upstreamStatus = status;
    // The message is built from our own words only: never the upstream's URL or body.
    super(`The ${service} service ${DESCRIPTIONS[code]}${status === undefined ? '' : ` (HTTP ${status})`}.`, {
      extensions,
    });
    // Kept for the log. Not passed as `originalError`: that is what error masking inspects.
    Object.defineProperty(this, 'cause', { value: details.cause, enumerable: false });
  }
}

/** A client's argument is out of bounds. */
export function badUserInput(message: string, argumentName?: string): GraphQLError {
  return new GraphQLError(message, {
    extensions: argumentName === undefined ? { code: 'BAD_USER_INPUT' } : { code: 'BAD_USER_INPUT', argument: argumentName },
  });
}
