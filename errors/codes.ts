/**
 * The one taxonomy: every `extensions.code` a client can meet, with what it means, and the
 * codes of `placeOrder`'s `userErrors`.
 */

/** The upstream failures: on the field that needed the service, with `service` and `upstreamStatus`. */
export const UPSTREAM_ERROR_CODES = {
  UPSTREAM_TIMEOUT: "No complete answer within the call's time limit.",
  UPSTREAM_UNAVAILABLE: "Refused, reset, a 5xx answer, an open circuit, the graph's own overload.",
  UPSTREAM_BAD_RESPONSE: 'A 2xx answer that is not the promised JSON shape, or too large.',
  UPSTREAM_REJECTED: 'A 4xx answer other than a 404 the contract defines.',
} as const;
export type UpstreamErrorCode = keyof typeof UPSTREAM_ERROR_CODES;

/** The graph's own errors: of a request, of a field, of an operation. */
const GRAPH_ERROR_CODES = {
  BAD_USER_INPUT: 'An argument or variable out of bounds or of the wrong type.',
  BAD_REQUEST:
    'The request is malformed (no or an invalid Host, bad JSON, batching refused, nothing to run, an onError that is not a mode).',
  STATE_STORE_UNAVAILABLE: "placeOrder: the store of orders' state failed; nothing was acknowledged.",
  ORDER_IN_PROGRESS: 'placeOrder: another request with this key is still running.',
  UNAUTHENTICATED: 'Authentication is on and the token is missing or not valid (HTTP 401).',
  AUTH_UNAVAILABLE: 'The signing keys could not be fetched (HTTP 503).',
  FORBIDDEN: "A field of another user's (@ownerOnly).",
  RATE_LIMITED: 'The caller sent more than its rate limit (HTTP 429).',
  OPERATION_LIMIT_EXCEEDED: 'The operation is past a limit (limit: tokens, depth, aliases or directives; max); nothing ran.',
  COST_ESTIMATED_TOO_EXPENSIVE: 'The estimated cost (estimated) is above MAX_COST (limit); nothing ran (HTTP 400).',
  REQUEST_ENTITY_TOO_LARGE: "The body is larger than MAX_BODY_BYTES (HTTP 413; yoga's code).",
  PERSISTED_QUERY_ONLY: 'Only persisted operations run here.',
  PERSISTED_QUERY_NOT_FOUND: 'No persisted operation has the hash sent (with automatic persisted queries: send the document with it).',
  PERSISTED_QUERY_MISMATCH: 'The document sent with a hash is not what the hash names (HTTP 400).',
  CSRF_PREVENTED: 'A request a third-party page could have made a browser send (HTTP 403).',
  GRAPHQL_PARSE_FAILED: "The document does not parse (graphql-js's code, through yoga).",
  GRAPHQL_VALIDATION_FAILED: 'The document does not validate against the schema.',
  OPERATION_RESOLUTION_FAILURE: 'The operation to run cannot be told from the document and operationName.',
  OPERATION_NOT_SUPPORTED: 'A subscription: this graph has no subscription type (HTTP 400).',
  INTERNAL_SERVER_ERROR: 'A bug of the graph: its message and stack are logged, never sent.',
} as const;

/** Refusals before GraphQL: Node's HTTP parser, the process's routes, yoga's HTTP layer. */
const HTTP_REFUSAL_CODES = {
  NOT_FOUND: 'HTTP 404: nothing at this path.',
  METHOD_NOT_ALLOWED: 'HTTP 405.',
  NOT_ACCEPTABLE: 'HTTP 406: no answer in a type the accept header allows.',
  UNSUPPORTED_MEDIA_TYPE: 'HTTP 415: a body that is not JSON.',
  REQUEST_TIMEOUT: 'HTTP 408: the request did not arrive in time.',
  HEADERS_TOO_LARGE: 'HTTP 431.',
  EXPECTATION_FAILED: 'HTTP 417: an Expect header other than 100-continue.',
} as const;

export type ErrorCode = UpstreamErrorCode | keyof typeof GRAPH_ERROR_CODES;
export type HttpRefusalCode = ErrorCode | keyof typeof HTTP_REFUSAL_CODES;

/**
 * Every `extensions.code` a client can meet, with what it means: docs/errors.md's table of error
 * codes lists the same, and the typed client publishes them as a union (codegen.ts). Clients
 * match on these strings; they never change meaning.
 */
export const ALL_ERROR_CODES: Readonly<Record<HttpRefusalCode, string>> = {
  ...UPSTREAM_ERROR_CODES,
  ...GRAPH_ERROR_CODES,
  ...HTTP_REFUSAL_CODES,
};

/** The codes of `placeOrder`'s `userErrors`: business outcomes, not failures of the request. */
export const USER_ERROR_CODES = ['IDEMPOTENCY_KEY_REUSED', 'OUT_OF_STOCK', 'INVALID_ORDER', 'UNKNOWN_USER'] as const;
export type UserErrorCode = (typeof USER_ERROR_CODES)[number];
