/** Every `extensions.code` an answer of the graph can carry (errors/codes.ts); match on these, they never change meaning. */
export type ErrorCode =
  /** No complete answer within the call's time limit. */
  | 'UPSTREAM_TIMEOUT'
  /** Refused, reset, a 5xx answer, an open circuit, the graph's own overload. */
  | 'UPSTREAM_UNAVAILABLE'
  /** A 2xx answer that is not the promised JSON shape, or too large. */
  | 'UPSTREAM_BAD_RESPONSE'
  /** A 4xx answer other than a 404 the contract defines. */
  | 'UPSTREAM_REJECTED'
  /** An argument or variable out of bounds or of the wrong type. */
  | 'BAD_USER_INPUT'
  /** The request is malformed (no or an invalid Host, bad JSON, batching refused, nothing to run, an onError that is not a mode). */
  | 'BAD_REQUEST'
  /** placeOrder: the store of orders' state failed; nothing was acknowledged. */
  | 'STATE_STORE_UNAVAILABLE'
  /** placeOrder: another request with this key is still running. */
  | 'ORDER_IN_PROGRESS'
  /** Authentication is on and the token is missing or not valid (HTTP 401). */
  | 'UNAUTHENTICATED'
  /** The signing keys could not be fetched (HTTP 503). */
  | 'AUTH_UNAVAILABLE'
  /** A field of another user's (@ownerOnly). */
  | 'FORBIDDEN'
  /** The caller sent more than its rate limit (HTTP 429). */
  | 'RATE_LIMITED'
  /** The operation is past a limit (limit: tokens, depth, aliases or directives; max); nothing ran. */
  | 'OPERATION_LIMIT_EXCEEDED'
  /** The estimated cost (estimated) is above MAX_COST (limit); nothing ran (HTTP 400). */
  | 'COST_ESTIMATED_TOO_EXPENSIVE'
  /** The body is larger than MAX_BODY_BYTES (HTTP 413; yoga's code). */
  | 'REQUEST_ENTITY_TOO_LARGE'
  /** Only persisted operations run here. */
  | 'PERSISTED_QUERY_ONLY'
  /** No persisted operation has the hash sent (with automatic persisted queries: send the document with it). */
  | 'PERSISTED_QUERY_NOT_FOUND'
  /** The document sent with a hash is not what the hash names (HTTP 400). */
  | 'PERSISTED_QUERY_MISMATCH'
  /** A request a third-party page could have made a browser send (HTTP 403). */
  | 'CSRF_PREVENTED'
  /** The document does not parse (graphql-js's code, through yoga). */
  | 'GRAPHQL_PARSE_FAILED'
  /** The document does not validate against the schema. */
  | 'GRAPHQL_VALIDATION_FAILED'
  /** The operation to run cannot be told from the document and operationName. */
  | 'OPERATION_RESOLUTION_FAILURE'
  /** A subscription: this graph has no subscription type (HTTP 400). */
  | 'OPERATION_NOT_SUPPORTED'
  /** A bug of the graph: its message and stack are logged, never sent. */
  | 'INTERNAL_SERVER_ERROR'
  /** HTTP 404: nothing at this path. */
  | 'NOT_FOUND'
  /** HTTP 405. */
  | 'METHOD_NOT_ALLOWED'
  /** HTTP 406: no answer in a type the accept header allows. */
  | 'NOT_ACCEPTABLE'
  /** HTTP 415: a body that is not JSON. */
  | 'UNSUPPORTED_MEDIA_TYPE'
  /** HTTP 408: the request did not arrive in time. */
  | 'REQUEST_TIMEOUT'
  /** HTTP 431. */
  | 'HEADERS_TOO_LARGE'
  /** HTTP 417: an Expect header other than 100-continue. */
  | 'EXPECTATION_FAILED'
;

/** The same, as a list: for a runtime check (`ERROR_CODES.includes(code)`). */
export const ERROR_CODES = ['UPSTREAM_TIMEOUT', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_BAD_RESPONSE', 'UPSTREAM_REJECTED', 'BAD_USER_INPUT', 'BAD_REQUEST', 'STATE_STORE_UNAVAILABLE', 'ORDER_IN_PROGRESS', 'UNAUTHENTICATED', 'AUTH_UNAVAILABLE', 'FORBIDDEN', 'RATE_LIMITED', 'OPERATION_LIMIT_EXCEEDED', 'COST_ESTIMATED_TOO_EXPENSIVE', 'REQUEST_ENTITY_TOO_LARGE', 'PERSISTED_QUERY_ONLY', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_MISMATCH', 'CSRF_PREVENTED', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'OPERATION_RESOLUTION_FAILURE', 'OPERATION_NOT_SUPPORTED', 'INTERNAL_SERVER_ERROR', 'NOT_FOUND', 'METHOD_NOT_ALLOWED', 'NOT_ACCEPTABLE', 'UNSUPPORTED_MEDIA_TYPE', 'REQUEST_TIMEOUT', 'HEADERS_TOO_LARGE', 'EXPECTATION_FAILED'] as const satisfies readonly ErrorCode[];
