/** `placeOrder`: its durable store, its queue and its confirmation email. */
export interface OrderSettings {
  /**
   * The SQLite file holding idempotency records, saga state and the queue (`:memory:` for tests only).
   * @default "data/graph.sqlite" (`STATE_DB_PATH`)
   */
  readonly stateDbPath: string;
  /**
   * With it, the state lives in Redis (BullMQ for the queue) and replicas share it; `STATE_DB_PATH` is then unused.
   * @default unset (`REDIS_URL`, e.g. `redis://127.0.0.1:6379`)
   */
  readonly redisUrl: string | undefined;
  /** @default "graph" (`REDIS_PREFIX`): namespace of the keys and queues in Redis. */
  readonly redisPrefix: string;
  /** @default 86400000, 24 h (`IDEMPOTENCY_TTL_MS`): how long an idempotency key is remembered. */
  readonly idempotencyTtlMs: number;
  /** @default 1000 (`EMAIL_TIMEOUT_MS`): time for the email sent while the client waits; then it is queued. */
  readonly emailTimeoutMs: number;
  /** @default 10 (`EMAIL_MAX_ATTEMPTS`): attempts at an email before it is dead-lettered. */
  readonly emailMaxAttempts: number;
  /** @default 1000 (`QUEUE_RETRY_BASE_MS`): first delay of the queue's backoff, doubled each attempt. */
  readonly retryBaseMs: number;
  /** @default 300000 (`QUEUE_RETRY_MAX_MS`): cap of that backoff. */
  readonly retryMaxMs: number;
  /** @default 250 (`QUEUE_POLL_MS`): how often the worker looks for due work. */
  readonly pollMs: number;
  /**
   * How long a run holds a saga before the queue may resume it elsewhere; longer than a run can take.
   * @default REQUEST_TIMEOUT_MS + 5000 (`SAGA_LEASE_MS`)
   */
  readonly leaseMs: number;
}
