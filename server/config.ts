/**
 * The only reader of `process.env`. Configuration is loaded once at start into a frozen,
 * typed object; a bad value stops the start with a message that names the variable.
 * Tests build configs with `loadConfig({...literal env...})`.
 */
import { z } from 'zod';

export const SERVICE_NAMES = ['personal', 'professional', 'orders', 'inventory', 'notifications'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

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
   * Bulkhead: calls in flight to this service from the whole process (also the pool's sockets).
   * @default 64 (`UPSTREAM_MAX_CONCURRENCY`, per service `<SERVICE>_MAX_CONCURRENCY`)
   */
  readonly maxConcurrency: number;
  /**
   * Bulkhead: calls waiting for a free slot; past it a call fails at once (`UPSTREAM_UNAVAILABLE`, `overloaded`).
   * @default 1024 (`UPSTREAM_MAX_QUEUE`, per service `<SERVICE>_MAX_QUEUE`)
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

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Config {
  /** @default 4000 (`PORT`) */
  readonly port: number;
  /** @default "0.0.0.0" (`HOST`) */
  readonly host: string;
  /** @default "info" (`LOG_LEVEL`) */
  readonly logLevel: LogLevel;
  /**
   * How long SIGTERM waits for requests in flight before closing their connections.
   * @default 10000 (`SHUTDOWN_GRACE_MS`)
   */
  readonly shutdownGraceMs: number;
  /**
   * Budget of one GraphQL operation: no upstream call made for it outlives it.
   * @default 10000 (`REQUEST_TIMEOUT_MS`)
   */
  readonly requestTimeoutMs: number;
  /** True when no `*_API_URL` is set: the server starts the demo services in-process. */
  readonly demo: boolean;
  /**
   * Latency in ms of every embedded demo service at start; changeable at run time.
   * @default 0 (`DEMO_LATENCY_MS`)
   */
  readonly demoLatencyMs: number;
  readonly upstreams: Readonly<Record<ServiceName, UpstreamSettings>>;
  readonly orders: OrderSettings;
  /**
   * Bearer token of the operators' endpoints (`/admin/...`); unset: they are off.
   * @default unset (`ADMIN_TOKEN`)
   */
  readonly adminToken: string | undefined;
  /**
   * Where traces go (OTLP/HTTP, e.g. `http://otel-collector:4318`); unset: nowhere.
   * @default unset (`OTEL_EXPORTER_OTLP_ENDPOINT`)
   */
  readonly otlpEndpoint: string | undefined;
  /**
   * Whether a request with `x-graph-upstream-calls: 1` gets the list of its upstream calls in
   * the answer's `extensions.upstreamCalls` (for developers; the routes and timings of the services).
   * @default true, false when NODE_ENV is `production` (`UPSTREAM_CALL_LIST`: `on` or `off`)
   */
  readonly upstreamCallList: boolean;
  readonly auth: AuthSettings;
  readonly limits: LimitSettings;
  readonly exposure: ExposureSettings;
  readonly rateLimit: RateLimitSettings;
}

/**
 * Bearer JWTs (see server/auth.ts). Authentication is on when a key is set: `AUTH_JWT_SECRET`
 * (HS256/384/512) or `AUTH_JWKS_URL` (the issuer's public keys), never both.
 */
export interface AuthSettings {
  /** @default unset (`AUTH_JWT_SECRET`, at least 32 characters) */
  readonly jwtSecret: string | undefined;
  /** @default unset (`AUTH_JWKS_URL`, e.g. `https://login.example.com/.well-known/jwks.json`) */
  readonly jwksUrl: string | undefined;
  /** Required `iss` claim. @default unset: not checked (`AUTH_ISSUER`) */
  readonly issuer: string | undefined;
  /** Required `aud` claim. @default unset: not checked (`AUTH_AUDIENCE`) */
  readonly audience: string | undefined;
  /** Leeway for `exp` and `nbf` against clocks that drift. @default 30 (`AUTH_CLOCK_SKEW_S`) */
  readonly clockSkewS: number;
  /** Claim holding the caller's roles (an array, or one space-separated string). @default "roles" (`AUTH_ROLES_CLAIM`) */
  readonly rolesClaim: string;
  /** Role that may see and act for every user. @default "admin" (`AUTH_ADMIN_ROLE`) */
  readonly adminRole: string;
}

/** Limits checked before anything is executed (see server/operation-limits.ts). */
export interface LimitSettings {
  /** Deepest field nesting. @default 10 (`MAX_DEPTH`) */
  readonly maxDepth: number;
  /** Aliases in one operation. @default 15 (`MAX_ALIASES`) */
  readonly maxAliases: number;
  /** Lexical tokens in the document. @default 1000 (`MAX_TOKENS`) */
  readonly maxTokens: number;
  /** Directives in one operation. @default 20 (`MAX_DIRECTIVES`) */
  readonly maxDirectives: number;
  /** Cost: every field counts 1, times the size of each list around it. @default 5000 (`MAX_COST`) */
  readonly maxCost: number;
  /** Size assumed for a list whose arguments do not bound it (`Order.items`). @default 10 (`COST_DEFAULT_LIST_SIZE`) */
  readonly defaultListSize: number;
  /** Largest request body (yoga's `maxRequestBodySize`): 413 past it. @default 102400 (`MAX_BODY_BYTES`) */
  readonly maxBodyBytes: number;
  /** Operations in one array-batched request; 0: batching refused. @default 0 (`MAX_BATCH`) */
  readonly maxBatch: number;
}

/** What the endpoint shows about itself; stricter when `NODE_ENV` is `production`. */
export interface ExposureSettings {
  /** @default NODE_ENV === "production" */
  readonly production: boolean;
  /** Schema introspection. @default on, off in production (`INTROSPECTION`: `on` or `off`) */
  readonly introspection: boolean;
  /** GraphiQL on `GET /graphql`. @default on, off in production (`GRAPHIQL`: `on` or `off`) */
  readonly graphiql: boolean;
  /**
   * Refuses GET and form-like requests without a non-simple header (`content-type: application/json`,
   * `x-graphql-yoga-csrf`...), so a third-party page cannot make a browser run operations.
   * @default off, on in production (`CSRF_PREVENTION`: `on` or `off`)
   */
  readonly csrfPrevention: boolean;
  /**
   * Only the operations in `operations/` run, sent by hash (`documentId`, or Apollo's
   * `extensions.persistedQuery.sha256Hash`); any other document is refused.
   * @default off (`PERSISTED_OPERATIONS_ONLY`: `on` or `off`)
   */
  readonly persistedOperationsOnly: boolean;
}

/** Requests per caller: the token's subject, else the client's IP (see server/rate-limit.ts). */
export interface RateLimitSettings {
  /** Requests per window; 0 turns the limit off. @default 600 (`RATE_LIMIT_REQUESTS`) */
  readonly requests: number;
  /** @default 60 (`RATE_LIMIT_WINDOW_S`) */
  readonly windowS: number;
  /**
   * Whether the client's IP is the last address of `x-forwarded-for` (the one the proxy in
   * front of the graph added) rather than the connection's peer. Only behind such a proxy.
   * @default off (`TRUST_PROXY`: `on` or `off`)
   */
  readonly trustProxy: boolean;
}

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

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const urlValue = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));

/** Reads one variable; a missing or empty value takes the fallback. */
function read<T>(env: Env, name: string, schema: z.ZodType<T>, fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const parsed = schema.safeParse(raw.trim());
  if (!parsed.success) {
    const reason = parsed.error.issues.map((issue) => issue.message).join('; ');
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not valid: ${reason}`);
  }
  return parsed.data;
}

const ratio = z.coerce.number().gt(0).lt(1);

export function loadConfig(env: Env = process.env): Config {
  /** A per-service setting: `<SERVICE>_<NAME>`, else `UPSTREAM_<NAME>`, else the default. */
  const perService = <T>(service: ServiceName, name: string, schema: z.ZodType<T>, fallback: T): T =>
    read(env, `${service.toUpperCase()}_${name}`, schema, read(env, `UPSTREAM_${name}`, schema, fallback));

  const upstreams = {} as Record<ServiceName, UpstreamSettings>;
  for (const service of SERVICE_NAMES) {
    const setting = <T>(name: string, schema: z.ZodType<T>, fallback: T): T => perService(service, name, schema, fallback);
    upstreams[service] = Object.freeze({
      url: read<string | undefined>(env, `${service.toUpperCase()}_API_URL`, urlValue, undefined),
      timeoutMs: setting('TIMEOUT_MS', integer(1, 600_000), 2000),
      maxConcurrency: setting('MAX_CONCURRENCY', integer(1, 10_000), 64),
      maxQueue: setting('MAX_QUEUE', integer(0, 1_000_000), 1024),
      maxResponseBytes: setting('MAX_RESPONSE_BYTES', integer(1024, 1 << 30), 5 * 1024 * 1024),
      maxUrlLength: setting('MAX_URL_LENGTH', integer(256, 1 << 20), 4096),
      retry: Object.freeze({
        maxRetries: setting('MAX_RETRIES', integer(0, 10), 2),
        baseDelayMs: setting('RETRY_BASE_DELAY_MS', integer(1, 60_000), 100),
        maxDelayMs: setting('RETRY_MAX_DELAY_MS', integer(1, 600_000), 1000),
        budgetRatio: setting('RETRY_BUDGET_RATIO', ratio, 0.2),
        budgetBurst: setting('RETRY_BUDGET_BURST', integer(0, 100_000), 10),
      }),
      circuit: Object.freeze({
        failureRatio: setting('CIRCUIT_FAILURE_RATIO', ratio, 0.5),
        windowMs: setting('CIRCUIT_WINDOW_MS', integer(1000, 3_600_000), 10_000),
        minCalls: setting('CIRCUIT_MIN_CALLS', integer(1, 1_000_000), 20),
        halfOpenAfterMs: setting('CIRCUIT_HALF_OPEN_AFTER_MS', integer(1, 3_600_000), 5000),
      }),
      cacheMaxBytes: setting('CACHE_MAX_BYTES', integer(0, 1 << 30), 16 * 1024 * 1024),
    });
  }

  // Mixing real services with demo ones would silently serve made-up data in production.
  const missing = SERVICE_NAMES.filter((s) => upstreams[s].url === undefined);
  const demo = missing.length === SERVICE_NAMES.length;
  if (!demo && missing.length > 0) {
    const names = missing.map((s) => `${s.toUpperCase()}_API_URL`).join(', ');
    throw new ConfigError(
      `${names} must be set as well: set every *_API_URL, or none to run on the embedded demo services`,
    );
  }

  const requestTimeoutMs = read(env, 'REQUEST_TIMEOUT_MS', integer(1, 600_000), 10_000);
  const orders: OrderSettings = Object.freeze({
    stateDbPath: read(env, 'STATE_DB_PATH', z.string().min(1), 'data/graph.sqlite'),
    redisUrl: read<string | undefined>(env, 'REDIS_URL', z.url({ protocol: /^rediss?$/ }), undefined),
    redisPrefix: read(env, 'REDIS_PREFIX', z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (at most 64)'), 'graph'),
    idempotencyTtlMs: read(env, 'IDEMPOTENCY_TTL_MS', integer(60_000, 365 * 86_400_000), 86_400_000),
    emailTimeoutMs: read(env, 'EMAIL_TIMEOUT_MS', integer(1, 600_000), 1000),
    emailMaxAttempts: read(env, 'EMAIL_MAX_ATTEMPTS', integer(1, 1000), 10),
    retryBaseMs: read(env, 'QUEUE_RETRY_BASE_MS', integer(1, 3_600_000), 1000),
    retryMaxMs: read(env, 'QUEUE_RETRY_MAX_MS', integer(1, 86_400_000), 300_000),
    pollMs: read(env, 'QUEUE_POLL_MS', integer(1, 60_000), 250),
    leaseMs: read(env, 'SAGA_LEASE_MS', integer(1, 3_600_000), requestTimeoutMs + 5000),
  });
  if (orders.leaseMs <= requestTimeoutMs) {
    throw new ConfigError(`SAGA_LEASE_MS=${orders.leaseMs} must be longer than REQUEST_TIMEOUT_MS=${requestTimeoutMs}: a saga run could be resumed while it still runs`);
  }

  const onOff = (name: string, fallback: boolean): boolean => read(env, name, z.enum(['on', 'off']), fallback ? 'on' : 'off') === 'on';
  const production = env.NODE_ENV === 'production';

  const auth: AuthSettings = Object.freeze({
    jwtSecret: read<string | undefined>(env, 'AUTH_JWT_SECRET', z.string().min(32, 'at least 32 characters'), undefined),
    jwksUrl: read<string | undefined>(env, 'AUTH_JWKS_URL', z.url({ protocol: /^https?$/ }), undefined),
    issuer: read<string | undefined>(env, 'AUTH_ISSUER', z.string().min(1), undefined),
    audience: read<string | undefined>(env, 'AUTH_AUDIENCE', z.string().min(1), undefined),
    clockSkewS: read(env, 'AUTH_CLOCK_SKEW_S', integer(0, 3600), 30),
    rolesClaim: read(env, 'AUTH_ROLES_CLAIM', z.string().min(1), 'roles'),
    adminRole: read(env, 'AUTH_ADMIN_ROLE', z.string().min(1), 'admin'),
  });
  if (auth.jwtSecret !== undefined && auth.jwksUrl !== undefined) {
    throw new ConfigError('AUTH_JWT_SECRET and AUTH_JWKS_URL are both set: tokens are verified with one kind of key, set only one');
  }

  return Object.freeze({
    auth,
    limits: Object.freeze({
      maxDepth: read(env, 'MAX_DEPTH', integer(1, 1000), 10),
      maxAliases: read(env, 'MAX_ALIASES', integer(0, 100_000), 15),
      maxTokens: read(env, 'MAX_TOKENS', integer(10, 1_000_000), 1000),
      maxDirectives: read(env, 'MAX_DIRECTIVES', integer(0, 100_000), 20),
      maxCost: read(env, 'MAX_COST', integer(1, 1_000_000_000), 5000),
      defaultListSize: read(env, 'COST_DEFAULT_LIST_SIZE', integer(1, 10_000), 10),
      maxBodyBytes: read(env, 'MAX_BODY_BYTES', integer(256, 1 << 30), 100 * 1024),
      maxBatch: read(env, 'MAX_BATCH', integer(0, 1000), 0),
    }),
    exposure: Object.freeze({
      production,
      introspection: onOff('INTROSPECTION', !production),
      graphiql: onOff('GRAPHIQL', !production),
      csrfPrevention: onOff('CSRF_PREVENTION', production),
      persistedOperationsOnly: onOff('PERSISTED_OPERATIONS_ONLY', false),
    }),
    rateLimit: Object.freeze({
      requests: read(env, 'RATE_LIMIT_REQUESTS', integer(0, 100_000_000), 600),
      windowS: read(env, 'RATE_LIMIT_WINDOW_S', integer(1, 86_400), 60),
      trustProxy: onOff('TRUST_PROXY', false),
    }),
    port: read(env, 'PORT', integer(0, 65_535), 4000),
    host: read(env, 'HOST', z.string().min(1), '0.0.0.0'),
    logLevel: read(env, 'LOG_LEVEL', z.enum(['debug', 'info', 'warn', 'error', 'silent']), 'info'),
    shutdownGraceMs: read(env, 'SHUTDOWN_GRACE_MS', integer(0, 600_000), 10_000),
    requestTimeoutMs,
    demo,
    demoLatencyMs: read(env, 'DEMO_LATENCY_MS', integer(0, 60_000), 0),
    upstreams: Object.freeze(upstreams),
    orders,
    otlpEndpoint: read<string | undefined>(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', urlValue, undefined),
    upstreamCallList: onOff('UPSTREAM_CALL_LIST', !production),
    adminToken: read<string | undefined>(env, 'ADMIN_TOKEN', z.string().min(16, 'at least 16 characters'), undefined),
  });
}

/** Settings of `npm run demo`, the demo services on their own. */
export interface DemoServicesConfig {
  /** Port of personal; the others follow in contract order; 0: each on a free port. @default 4001 (`DEMO_PORT_BASE`) */
  readonly portBase: number;
  /** @default "127.0.0.1" (`DEMO_HOST`) */
  readonly host: string;
  /** @default 0 (`DEMO_LATENCY_MS`) */
  readonly latencyMs: number;
}

export function loadDemoServicesConfig(env: Env = process.env): DemoServicesConfig {
  return Object.freeze({
    portBase: read(env, 'DEMO_PORT_BASE', integer(0, 65_535 - SERVICE_NAMES.length), 4001),
    host: read(env, 'DEMO_HOST', z.string().min(1), '127.0.0.1'),
    latencyMs: read(env, 'DEMO_LATENCY_MS', integer(0, 60_000), 0),
  });
}

/** For entry points: the loaded configuration, or the reason it is bad on stderr and exit code 2. */
export function configOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`Configuration error: ${error.message}\n`);
    process.exit(2);
  }
}
