/**
 * Constructors of the graph's own errors (everything but an upstream's, see
 * upstream-error.ts): one per code, each with the message a client reads and the
 * extensions it can match on. `http` is read by yoga for the HTTP answer and never sent.
 */
import { GraphQLError, type ASTNode } from 'graphql';
import type { ErrorCode } from './codes.js';
import { withoutStackTraces } from './stack-traces.js';

/** `extensions` of a graph error: always a `code` from the taxonomy. */
type Extensions = { code: ErrorCode } & Record<string, unknown>;

/** An answer, not a bug's report: made without a stack (stack-traces.ts), its cause kept for the log. */
function graphError(
  message: string,
  extensions: Extensions,
  options: { nodes?: readonly ASTNode[] | undefined; cause?: unknown } = {},
): GraphQLError {
  const error = withoutStackTraces(
    () => new GraphQLError(message, { extensions, ...(options.nodes === undefined ? {} : { nodes: options.nodes }) }),
  );
  // Kept for the log; not `originalError`, which is what error masking inspects.
  if (options.cause !== undefined) Object.defineProperty(error, 'cause', { value: options.cause, enumerable: false });
  return error;
}

/**
 * A request error in GraphQL over HTTP terms: 400 with `application/graphql-response+json`,
 * 200 with `application/json` (`spec`), as yoga answers a validation error.
 */
const REQUEST_ERROR = { status: 400, spec: true };

/** A client's argument is out of bounds. */
export function badUserInput(message: string, argumentName?: string): GraphQLError {
  return graphError(message, argumentName === undefined ? { code: 'BAD_USER_INPUT' } : { code: 'BAD_USER_INPUT', argument: argumentName });
}

/** Variables that do not fit their types, found before execution: a request error. */
export function badVariables(message: string, nodes: readonly ASTNode[] | undefined): GraphQLError {
  return graphError(message, { code: 'BAD_USER_INPUT', http: REQUEST_ERROR }, { nodes });
}

/**
 * The store of idempotency records and the order queue cannot be reached: nothing is
 * acknowledged that it did not keep. The same request (same idempotencyKey) is safe to send again.
 */
export function stateStoreUnavailable(cause: unknown): GraphQLError {
  if (cause instanceof GraphQLError) return cause;
  return graphError(
    'The order store is unavailable, so the outcome could not be kept; send the same request again later.',
    { code: 'STATE_STORE_UNAVAILABLE', retryable: true },
    { cause },
  );
}

/** Another request with the same idempotency key is still running past this one's budget. */
export function orderInProgress(): GraphQLError {
  return graphError('An order with this idempotencyKey is still being placed; send the request again later.', {
    code: 'ORDER_IN_PROGRESS',
    retryable: true,
  });
}

/** A missing or refused token: HTTP 401 with `WWW-Authenticate`. */
export function unauthenticated(message: string): GraphQLError {
  return graphError(message, {
    code: 'UNAUTHENTICATED',
    http: { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } },
  });
}

/** `me` on a server without authentication: there is no signed-in user to answer with. */
export function nobodySignedIn(): GraphQLError {
  return graphError('Nobody is signed in: authentication is off on this server.', { code: 'UNAUTHENTICATED' });
}

/** The key set could not be fetched (time-out, refused, not JSON): not the client's fault. */
export function authUnavailable(cause: unknown): GraphQLError {
  return graphError(
    'The token could not be verified now: the signing keys are unavailable. Try again shortly.',
    { code: 'AUTH_UNAVAILABLE', retryable: true, http: { status: 503 } },
    { cause },
  );
}

/** A value that belongs to another user (`@ownerOnly`). */
export function forbidden(coordinate: string): GraphQLError {
  return graphError(`Forbidden: ${coordinate} is only for the user it belongs to and for admins.`, { code: 'FORBIDDEN' });
}

/** Past the caller's rate limit: HTTP 429 with `Retry-After`. */
export function rateLimited(retryAfterMs: number): GraphQLError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return graphError(`Too many requests: try again in ${seconds} s.`, {
    code: 'RATE_LIMITED',
    retryable: true,
    retryAfterMs,
    http: { status: 429, headers: { 'retry-after': String(seconds) } },
  });
}

export type LimitName = 'tokens' | 'depth' | 'aliases' | 'directives';

const LIMIT_DESCRIPTIONS: Record<LimitName, string> = {
  tokens: 'The document is too long',
  depth: 'The operation nests fields too deeply',
  aliases: 'The operation uses too many aliases',
  directives: 'The operation uses too many directives',
};

/** The operation is past one of the limits checked before anything runs. */
export function limitExceeded(limit: LimitName, max: number, found?: number): GraphQLError {
  const detail = found === undefined ? `at most ${max}` : `${found}, at most ${max}`;
  return graphError(`${LIMIT_DESCRIPTIONS[limit]} (${limit}: ${detail}).`, { code: 'OPERATION_LIMIT_EXCEEDED', limit, max });
}

/**
 * The operation's estimated cost is above `MAX_COST` (security/demand-control.ts): nothing ran.
 * The code is Apollo Router's for the same refusal; `estimated` is absent when the operation was
 * too large to estimate (`why` says so).
 */
export function costTooExpensive(estimated: number | undefined, limit: number, why?: string): GraphQLError {
  const message = why ?? `The operation's estimated cost is ${estimated}, more than the ${limit} an operation may cost.`;
  return graphError(message, {
    code: 'COST_ESTIMATED_TOO_EXPENSIVE',
    ...(estimated === undefined ? {} : { estimated }),
    limit,
    http: REQUEST_ERROR,
  });
}

/** The request is malformed in a way GraphQL over HTTP names (HTTP 400). */
export function badRequest(message: string): GraphQLError {
  return graphError(message, { code: 'BAD_REQUEST', http: { status: 400 } });
}

/** `{ _service { sdl } }` where the subgraph's SDL is not served (production): refused as introspection is. */
export function subgraphSdlRefused(nodes: readonly ASTNode[]): GraphQLError {
  return graphError(
    'The subgraph SDL (_service) is not served here: compose with the output of `npm run subgraph`, or set SUBGRAPH_SDL=on.',
    { code: 'GRAPHQL_VALIDATION_FAILED', http: REQUEST_ERROR },
    { nodes },
  );
}

/** An operation of a type the graph does not serve (a `subscription`): a request error, nothing runs. */
export function operationNotSupported(type: string, nodes: readonly ASTNode[]): GraphQLError {
  return graphError(
    `This graph serves queries and mutations; a ${type} is not supported.`,
    { code: 'OPERATION_NOT_SUPPORTED', http: REQUEST_ERROR },
    { nodes },
  );
}

/** The body is larger than `MAX_BODY_BYTES` (HTTP 413), said before it is read when its length is declared. */
export function bodyTooLarge(maxBytes: number): GraphQLError {
  return graphError(`The request body is larger than ${maxBytes} bytes.`, { code: 'REQUEST_ENTITY_TOO_LARGE', http: { status: 413 } });
}

/** A request a third-party page could make a browser send without a preflight: HTTP 403. */
export function csrfPrevented(header: string): GraphQLError {
  return graphError(
    `This request could come from another site: send it with a content-type of application/json, or with a ${header} header.`,
    {
      code: 'CSRF_PREVENTED',
      http: { status: 403 },
    },
  );
}

/** The refusals of persisted operations, in the shape yoga's plugin takes them. */
export const PERSISTED_OPERATION_ERRORS = {
  persistedQueryOnly: {
    message: 'Only persisted operations run here: send the hash of one (generated/client/persisted-documents.json) as documentId.',
    extensions: { code: 'PERSISTED_QUERY_ONLY', http: { status: 400 } },
  },
  keyNotFound: {
    message: 'Send a query, or the hash of a persisted operation as documentId.',
    extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
  },
  notFound: { message: 'No persisted operation has this hash.', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 404 } } },
} as const satisfies Record<string, { message: string; extensions: Extensions }>;

/** A hash sent alone that no manifest has and nobody registered: send it again with the document (Apollo's APQ). */
export function persistedQueryNotFound(): GraphQLError {
  return graphError(PERSISTED_OPERATION_ERRORS.notFound.message, PERSISTED_OPERATION_ERRORS.notFound.extensions);
}

/** A document sent with a hash that is not its SHA-256: nothing is registered, nothing runs. */
export function persistedQueryMismatch(): GraphQLError {
  return graphError('The sha256Hash sent is not the SHA-256 of the query sent.', {
    code: 'PERSISTED_QUERY_MISMATCH',
    http: { status: 400 },
  });
}

/** One part of an answer: a whole result, or a part of an incremental one (`@defer`, `@stream`). */
export interface AnswerPart {
  readonly data?: unknown;
  readonly errors?: readonly GraphQLError[];
  readonly incremental?: readonly { readonly errors?: readonly GraphQLError[] }[];
  readonly hasNext?: boolean;
}

/** A part's errors: its own, and those of its incremental entries. */
export function partErrors(part: AnswerPart): readonly GraphQLError[] {
  return [...(part.errors ?? []), ...(part.incremental ?? []).flatMap((entry) => entry.errors ?? [])];
}

/** The code of each error of an answer (`INTERNAL_SERVER_ERROR` when it has none), for logs and metrics. */
export function errorCodes(errors: readonly { extensions?: Record<string, unknown> }[] | undefined): string[] {
  return (errors ?? []).map((error) => (typeof error.extensions?.code === 'string' ? error.extensions.code : 'INTERNAL_SERVER_ERROR'));
}
