/**
 * The settings of one upstream service: where it is, and the policies that protect it and
 * us from each other. Read from the environment by server/config.ts (`UPSTREAM_<NAME>`, and
 * `<SERVICE>_<NAME>` for one service); the defaults below are the ones it applies.
 */
/** What the graph needs to know to call one upstream service, and how to protect it. */
export interface UpstreamSettings {
  /** Base URL of the service; `undefined` when the embedded demo service stands in for it. */
  readonly url: string | undefined;
  /**
   * Time limit of one attempt, from sending the request to the last byte of the body. The
   * attempt gets less when less is left of the operation's budget (`REQUEST_TIMEOUT_MS`).
   * @default 2000 (`UPSTREAM_TIMEOUT_MS`, per service `<SERVICE>_TIMEOUT_MS`)
   */
  readonly timeoutMs: number;
  /**
   * Ceiling of the adaptive concurrency limit: calls in flight to this service from the whole
   * process (also the size of its connection pool). The limit itself grows while the service
   * answers well and shrinks when it slows down or fails (datasources/adaptive-limit.ts).
   * @default 256 (`UPSTREAM_MAX_CONCURRENCY`, per service `<SERVICE>_MAX_CONCURRENCY`)
   */
  readonly maxConcurrency: number;
  /**
   * Floor of the adaptive concurrency limit (at most the ceiling).
   * @default 4 (`UPSTREAM_MIN_CONCURRENCY`, per service `<SERVICE>_MIN_CONCURRENCY`)
   */
  readonly minConcurrency: number;
  /**
   * Calls waiting for a slot, each until its operation's deadline; past this many a call fails at
   * once (`UPSTREAM_UNAVAILABLE`, `overloaded`): a guard of memory.
   * @default 10000 (`UPSTREAM_MAX_QUEUE`, per service `<SERVICE>_MAX_QUEUE`)
   */
  readonly maxQueue: number;
  /**
   * Largest response body accepted; a larger one is `UPSTREAM_BAD_RESPONSE`.
   * @default 5242880 (`UPSTREAM_MAX_RESPONSE_BYTES`, per service `<SERVICE>_MAX_RESPONSE_BYTES`)
   */
  readonly maxResponseBytes: number;
  /**
   * Longest URL of a batch call; longer batches are split.
   * @default 4096 (`UPSTREAM_MAX_URL_LENGTH`, per service `<SERVICE>_MAX_URL_LENGTH`)
   */
  readonly maxUrlLength: number;
  readonly retry: RetrySettings;
  readonly circuit: CircuitSettings;
  /**
   * Memory for cached GET answers that carry `Cache-Control`; 0 turns the cache off.
   * @default 16777216 (`UPSTREAM_CACHE_MAX_BYTES`, per service `<SERVICE>_CACHE_MAX_BYTES`)
   */
  readonly cacheMaxBytes: number;
}

/** Retries of idempotent calls (GET, DELETE, and writes with an `Idempotency-Key`). */
export interface RetrySettings {
  /**
   * Retries after the first attempt, on connection errors, 502, 503, 504 and 429.
   * @default 2 (`UPSTREAM_MAX_RETRIES`, per service `<SERVICE>_MAX_RETRIES`)
   */
  readonly maxRetries: number;
  /**
   * Backoff before retry n is a random delay in [0, min(maxDelay, baseDelay * 2^(n-1))).
   * @default 100 (`UPSTREAM_RETRY_BASE_DELAY_MS`, per service `<SERVICE>_RETRY_BASE_DELAY_MS`)
   */
  readonly baseDelayMs: number;
  /** @default 1000 (`UPSTREAM_RETRY_MAX_DELAY_MS`, per service `<SERVICE>_RETRY_MAX_DELAY_MS`) */
  readonly maxDelayMs: number;
  /**
   * Retry budget: each call earns this fraction of a retry, and a retry spends one, so that
   * retries stay near this share of calls however sick the service is.
   * @default 0.2 (`UPSTREAM_RETRY_BUDGET_RATIO`, per service `<SERVICE>_RETRY_BUDGET_RATIO`)
   */
  readonly budgetRatio: number;
  /**
   * Retries the budget holds when full (and at start), so that a quiet process can still retry.
   * @default 10 (`UPSTREAM_RETRY_BUDGET_BURST`, per service `<SERVICE>_RETRY_BUDGET_BURST`)
   */
  readonly budgetBurst: number;
}

/** The circuit breaker of one service, shared by the whole process. */
export interface CircuitSettings {
  /**
   * Opens when more than this share of the calls in the window failed...
   * @default 0.5 (`UPSTREAM_CIRCUIT_FAILURE_RATIO`, per service `<SERVICE>_CIRCUIT_FAILURE_RATIO`)
   */
  readonly failureRatio: number;
  /** @default 10000 (`UPSTREAM_CIRCUIT_WINDOW_MS`, per service `<SERVICE>_CIRCUIT_WINDOW_MS`) */
  readonly windowMs: number;
  /**
   * ...and the window holds at least this many calls.
   * @default 20 (`UPSTREAM_CIRCUIT_MIN_CALLS`, per service `<SERVICE>_CIRCUIT_MIN_CALLS`)
   */
  readonly minCalls: number;
  /**
   * Once open, calls fail at once for this long; then one trial call decides (half-open).
   * @default 5000 (`UPSTREAM_CIRCUIT_HALF_OPEN_AFTER_MS`, per service `<SERVICE>_CIRCUIT_HALF_OPEN_AFTER_MS`)
   */
  readonly halfOpenAfterMs: number;
}
