/**
 * The only reader of `process.env`. Configuration is loaded once at start into a frozen,
 * typed object; a bad value stops the start with a message that names the variable.
 * Tests build configs with `loadConfig({...literal env...})`.
 */
import { z } from 'zod';
import { SERVICE_NAMES, type ServiceName } from '../errors/service-name.js';
import type { UpstreamSettings } from '../datasources/upstream-settings.js';
import type { OrderSettings } from '../place-order/order-settings.js';
import type { AuthSettings } from '../security/authentication.js';
import type { ExposureSettings } from '../security/exposure.js';
import { LOCAL_ORIGINS, corsOrigin, type CorsSettings } from '../security/cors.js';
import type { LimitSettings } from '../security/operation-limits.js';
import type { RateLimitSettings } from '../security/rate-limit.js';
import type { HttpServerSettings } from './http-server.js';
import type { LogLevel } from '../telemetry/logger.js';

/** The whole configuration: the process's own settings, and each module's settings type. */
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
  /**
   * Whether the embedded demo services' reads carry the contract's caching headers (`Cache-Control`,
   * `Vary`, `ETag`); changeable at run time.
   * @default on (`DEMO_CACHE_HEADERS`: `on` or `off`)
   */
  readonly demoCacheHeaders: boolean;
  /**
   * `/demo/settings` (the embedded demo services' latency and faults, changed at run time).
   * @default on, off in production (`DEMO_CONTROLS`: `on` or `off`)
   */
  readonly demoControls: boolean;
  /**
   * The embedded demo services hold every exchange to their OpenAPI documents (contracts/) and
   * log each violation as an error (`contract violation: …`); the test suites turn it on.
   * @default off (`DEMO_CONTRACT_CHECK`: `on` or `off`)
   */
  readonly demoContractCheck: boolean;
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
  /**
   * Whether queries run compiled (graphql-jit, execution/compiled-execution.ts); off, every
   * operation runs on the standard executor. The answers are the same either way.
   * @default true (`COMPILED_EXECUTION`: `on` or `off`)
   */
  readonly compiledExecution: boolean;
  /**
   * Runs of a document on the standard executor before it is compiled (0: compiled at once).
   * @default 2 (`COMPILED_EXECUTION_AFTER`)
   */
  readonly compiledExecutionAfter: number;
  /**
   * Whether a `POST /graphql` with a JSON body of declared length runs Yoga's phases without its
   * Fetch adapter (server/fast-path.ts); off, Yoga serves every request. The answers are the same
   * either way.
   * @default true (`FAST_PATH`: `on` or `off`)
   */
  readonly fastPath: boolean;
  /**
   * How the services' read answers are reused (datasources/upstream-cache.ts): `memory`, in each
   * process, bounded by `<SERVICE>_CACHE_MAX_BYTES`; `redis`, that and a tier every replica shares;
   * `off`, never.
   * @default "memory", "redis" when REDIS_URL is set (`UPSTREAM_CACHE`)
   */
  readonly upstreamCache: 'off' | 'memory' | 'redis';
  /**
   * With `UPSTREAM_CACHE=redis`: the Redis the cache's shared tier lives in, and the bytes its
   * entries may take there (all services together).
   * `url`: @default unset: REDIS_URL's (`UPSTREAM_CACHE_REDIS_URL`)
   * `maxBytes`: @default 67108864 (`UPSTREAM_CACHE_REDIS_MAX_BYTES`)
   */
  readonly upstreamCacheRedis: { readonly url: string; readonly maxBytes: number } | undefined;
  readonly auth: AuthSettings;
  readonly limits: LimitSettings;
  readonly exposure: ExposureSettings;
  /** Which pages on other origins may call the graph from a browser. */
  readonly cors: CorsSettings;
  readonly rateLimit: RateLimitSettings;
  readonly http: HttpServerSettings;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const urlValue = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));

/** Environments being read by `declaredSettings`: each variable read, with its default. */
const recorders = new WeakMap<Env, (name: string, fallback: unknown) => void>();

/**
 * Settings whose default is the open one (authentication off, no rate limit, introspection where
 * the mode allows it...): set but blank, they are a templating mistake (`AUTH_JWT_SECRET=`), and
 * the start is refused rather than failing open.
 */
const SECURITY_SETTINGS = new Set([
  'AUTH_JWT_SECRET',
  'AUTH_JWKS_URL',
  'AUTH_ISSUER',
  'AUTH_AUDIENCE',
  'AUTH_CLOCK_SKEW_S',
  'AUTH_ROLES_CLAIM',
  'AUTH_ADMIN_ROLE',
  'ADMIN_TOKEN',
  'RATE_LIMIT_REQUESTS',
  'RATE_LIMIT_WINDOW_S',
  'TRUST_PROXY',
  'INTROSPECTION',
  'SUBGRAPH_SDL',
  'GRAPHIQL',
  'CSRF_PREVENTION',
  'PERSISTED_OPERATIONS_ONLY',
  'PERSISTED_OPERATIONS_FILE',
  'CORS_ORIGINS',
  'CORS_CREDENTIALS',
  'DEMO_CONTROLS',
  'UPSTREAM_CALL_LIST',
]);

/** Reads one variable; a missing or empty value takes the fallback, except for a security setting (refused). */
function read<T>(env: Env, name: string, schema: z.ZodType<T>, fallback: T): T {
  recorders.get(env)?.(name, fallback);
  const raw = env[name];
  if (raw !== undefined && raw.trim() === '' && SECURITY_SETTINGS.has(name))
    throw new ConfigError(`${name} is set but blank: give it a value, or unset it to take its default`);
  if (raw === undefined || raw.trim() === '') return fallback;
  const parsed = schema.safeParse(raw.trim());
  if (!parsed.success) {
    const reason = parsed.error.issues.map((issue) => issue.message).join('; ');
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not valid: ${reason}`);
  }
  return parsed.data;
}

const ratio = z.coerce.number().gt(0).lt(1);
/** `a, b, c`: a comma-separated list (blanks around the commas ignored). */
const commaList = z.string().transform((raw) =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== ''),
);
const pathList = commaList.pipe(z.array(z.string()).min(1, 'at least one path'));
const originList = commaList.pipe(z.array(corsOrigin));

export function loadConfig(env: Env = process.env): Config {
  const upstreams = upstreamsOf(env);
  const demo = onlyDemoOrOnlyReal(upstreams);
  const requestTimeoutMs = read(env, 'REQUEST_TIMEOUT_MS', integer(1, 600_000), 10_000);
  const { upstreamCache, upstreamCacheRedis } = upstreamCacheOf(env);
  const orders = ordersOf(env, requestTimeoutMs);
  if (env.NODE_ENV?.trim() === '') throw new ConfigError('NODE_ENV is set but blank: set it to production, or unset it');
  const production = env.NODE_ENV === 'production';
  const auth = authOf(env);
  const cors = corsOf(env, production);

  return Object.freeze({
    auth,
    cors,
    limits: limitsOf(env),
    exposure: exposureOf(env, production),
    rateLimit: Object.freeze({
      requests: read(env, 'RATE_LIMIT_REQUESTS', integer(0, 100_000_000), 0),
      windowS: read(env, 'RATE_LIMIT_WINDOW_S', integer(1, 86_400), 60),
      trustProxy: onOff(env, 'TRUST_PROXY', false),
    }),
    http: Object.freeze({
      headersTimeoutMs: read(env, 'HEADERS_TIMEOUT_MS', integer(100, 600_000), 10_000),
      bodyTimeoutMs: read(env, 'BODY_TIMEOUT_MS', integer(100, 3_600_000), 30_000),
      maxConnections: read(env, 'MAX_CONNECTIONS', integer(1, 1_000_000), 10_000),
    }),
    port: read(env, 'PORT', integer(0, 65_535), 4000),
    host: read(env, 'HOST', z.string().min(1), '0.0.0.0'),
    logLevel: read(env, 'LOG_LEVEL', z.enum(['debug', 'info', 'warn', 'error', 'silent']), 'info'),
    shutdownGraceMs: read(env, 'SHUTDOWN_GRACE_MS', integer(0, 600_000), 10_000),
    requestTimeoutMs,
    demo,
    demoLatencyMs: read(env, 'DEMO_LATENCY_MS', integer(0, 60_000), 0),
    demoCacheHeaders: onOff(env, 'DEMO_CACHE_HEADERS', true),
    demoControls: onOff(env, 'DEMO_CONTROLS', !production),
    demoContractCheck: onOff(env, 'DEMO_CONTRACT_CHECK', false),
    upstreams: Object.freeze(upstreams),
    orders,
    otlpEndpoint: read<string | undefined>(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', urlValue, undefined),
    upstreamCallList: onOff(env, 'UPSTREAM_CALL_LIST', !production),
    compiledExecution: onOff(env, 'COMPILED_EXECUTION', true),
    compiledExecutionAfter: read(env, 'COMPILED_EXECUTION_AFTER', integer(0, 1_000_000), 2),
    fastPath: onOff(env, 'FAST_PATH', true),
    upstreamCache,
    upstreamCacheRedis,
    adminToken: read<string | undefined>(env, 'ADMIN_TOKEN', z.string().min(16, 'at least 16 characters'), undefined),
  });
}

/** The setting `name`, `on` or `off`, as a boolean. */
function onOff(env: Env, name: string, fallback: boolean): boolean {
  return read(env, name, z.enum(['on', 'off']), fallback ? 'on' : 'off') === 'on';
}

/** Each service's settings: `<SERVICE>_<NAME>`, else `UPSTREAM_<NAME>`, else the default. */
function upstreamsOf(env: Env): Record<ServiceName, UpstreamSettings> {
  const perService = <T>(service: ServiceName, name: string, schema: z.ZodType<T>, fallback: T): T =>
    read(env, `${service.toUpperCase()}_${name}`, schema, read(env, `UPSTREAM_${name}`, schema, fallback));

  const upstreams = {} as Record<ServiceName, UpstreamSettings>;
  for (const service of SERVICE_NAMES) {
    const setting = <T>(name: string, schema: z.ZodType<T>, fallback: T): T => perService(service, name, schema, fallback);
    upstreams[service] = Object.freeze({
      url: read<string | undefined>(env, `${service.toUpperCase()}_API_URL`, urlValue, undefined),
      timeoutMs: setting('TIMEOUT_MS', integer(1, 600_000), 2000),
      maxConcurrency: setting('MAX_CONCURRENCY', integer(1, 10_000), 256),
      minConcurrency: setting('MIN_CONCURRENCY', integer(1, 10_000), 4),
      maxQueue: setting('MAX_QUEUE', integer(0, 1_000_000), 10_000),
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
      cacheMaxBytes: setting('CACHE_MAX_BYTES', integer(65_536, 1 << 30), 16 * 1024 * 1024),
    });
  }

  return upstreams;
}

/**
 * True when no service's URL is set (the embedded demo services serve); every URL or none, since
 * mixing real services with demo ones would silently serve made-up data in production.
 */
function onlyDemoOrOnlyReal(upstreams: Record<ServiceName, UpstreamSettings>): boolean {
  const missing = SERVICE_NAMES.filter((s) => upstreams[s].url === undefined);
  if (missing.length === SERVICE_NAMES.length) return true;
  if (missing.length > 0) {
    const names = missing.map((s) => `${s.toUpperCase()}_API_URL`).join(', ');
    throw new ConfigError(`${names} must be set as well: set every *_API_URL, or none to run on the embedded demo services`);
  }
  return false;
}

/** Where upstream answers are kept: off, this process's memory, or memory before a Redis shared by the replicas. */
function upstreamCacheOf(env: Env): Pick<Config, 'upstreamCache' | 'upstreamCacheRedis'> {
  const redisUrlValue = z.url({ protocol: /^rediss?$/ });
  const cacheRedisUrl = read<string | undefined>(env, 'UPSTREAM_CACHE_REDIS_URL', redisUrlValue, env.REDIS_URL?.trim() || undefined);
  const upstreamCache = read(env, 'UPSTREAM_CACHE', z.enum(['off', 'memory', 'redis']), cacheRedisUrl === undefined ? 'memory' : 'redis');
  if (upstreamCache === 'redis' && cacheRedisUrl === undefined)
    throw new ConfigError('UPSTREAM_CACHE=redis needs UPSTREAM_CACHE_REDIS_URL or REDIS_URL: the Redis its shared tier lives in');
  const cacheRedisMaxBytes = read(env, 'UPSTREAM_CACHE_REDIS_MAX_BYTES', integer(1 << 20, 2 ** 40), 64 * 1024 * 1024);
  const upstreamCacheRedis =
    upstreamCache === 'redis' && cacheRedisUrl !== undefined
      ? Object.freeze({ url: cacheRedisUrl, maxBytes: cacheRedisMaxBytes })
      : undefined;
  return { upstreamCache, upstreamCacheRedis };
}

/** placeOrder's state: where sagas and idempotency keys live, the email queue's retries, a run's lease. */
function ordersOf(env: Env, requestTimeoutMs: number): OrderSettings {
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
    throw new ConfigError(
      `SAGA_LEASE_MS=${orders.leaseMs} must be longer than REQUEST_TIMEOUT_MS=${requestTimeoutMs}: ` +
        'a saga run could be resumed while it still runs',
    );
  }

  return orders;
}

/** How tokens are verified, when they are. */
function authOf(env: Env): AuthSettings {
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

  return auth;
}

/** Which origins may read answers in a browser. */
function corsOf(env: Env, production: boolean): CorsSettings {
  const cors: CorsSettings = Object.freeze({
    origins: read(env, 'CORS_ORIGINS', originList, production ? [] : [...LOCAL_ORIGINS]),
    credentials: onOff(env, 'CORS_CREDENTIALS', false),
  });
  if (cors.credentials && cors.origins.includes('*')) {
    throw new ConfigError(
      "CORS_ORIGINS=* with CORS_CREDENTIALS=on would let any site read answers with its users' credentials: name the origins",
    );
  }

  return cors;
}

/** What an operation may be: its shape, its cost, its body, a batch; and the document caches' memory. */
function limitsOf(env: Env): Config['limits'] {
  return Object.freeze({
    maxDepth: read(env, 'MAX_DEPTH', integer(1, 1000), 10),
    maxAliases: read(env, 'MAX_ALIASES', integer(0, 100_000), 15),
    maxTokens: read(env, 'MAX_TOKENS', integer(10, 1_000_000), 1000),
    maxDirectives: read(env, 'MAX_DIRECTIVES', integer(0, 100_000), 20),
    maxCost: read(env, 'MAX_COST', integer(1, 1_000_000_000), 5000),
    costMode: read(env, 'COST_MODE', z.enum(['enforce', 'measure']), 'enforce'),
    defaultListSize: read(env, 'COST_DEFAULT_LIST_SIZE', integer(1, 10_000), 10),
    maxBodyBytes: read(env, 'MAX_BODY_BYTES', integer(256, 1 << 30), 100 * 1024),
    maxBatch: read(env, 'MAX_BATCH', integer(0, 1000), 0),
    documentCacheBytes: read(env, 'DOCUMENT_CACHE_BYTES', integer(1 << 20, 1 << 34), 64 * 1024 * 1024),
  });
}

/** What the endpoint shows of itself: introspection, the SDL, GraphiQL, CSRF prevention, persisted operations. */
function exposureOf(env: Env, production: boolean): Config['exposure'] {
  return Object.freeze({
    production,
    introspection: onOff(env, 'INTROSPECTION', !production),
    subgraphSdl: onOff(env, 'SUBGRAPH_SDL', !production),
    graphiql: onOff(env, 'GRAPHIQL', !production),
    csrfPrevention: onOff(env, 'CSRF_PREVENTION', production),
    persistedOperationsOnly: onOff(env, 'PERSISTED_OPERATIONS_ONLY', false),
    persistedOperationsFiles: read<string[] | undefined>(env, 'PERSISTED_OPERATIONS_FILE', pathList, undefined),
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
  /** Each exchange held to the services' documents, a violation printed to stderr. @default off (`DEMO_CONTRACT_CHECK`) */
  readonly contractCheck: boolean;
  /** Reads carry the contract's caching headers. @default on (`DEMO_CACHE_HEADERS`) */
  readonly cacheHeaders: boolean;
}

export function loadDemoServicesConfig(env: Env = process.env): DemoServicesConfig {
  return Object.freeze({
    portBase: read(env, 'DEMO_PORT_BASE', integer(0, 65_535 - SERVICE_NAMES.length), 4001),
    host: read(env, 'DEMO_HOST', z.string().min(1), '127.0.0.1'),
    latencyMs: read(env, 'DEMO_LATENCY_MS', integer(0, 60_000), 0),
    contractCheck: read(env, 'DEMO_CONTRACT_CHECK', z.enum(['on', 'off']), 'off') === 'on',
    cacheHeaders: read(env, 'DEMO_CACHE_HEADERS', z.enum(['on', 'off']), 'on') === 'on',
  });
}

/**
 * Every variable the configuration reads, with the default it applies when the variable is
 * unset (the defaults' one place is the code above). The tables of docs/configuration.md, the
 * README's main settings and the settings types' `@default`s are checked against it
 * (test/config-docs.test.ts).
 */
export function declaredSettings(): ReadonlyMap<string, unknown> {
  const declared = new Map<string, unknown>();
  const env: Env = {};
  recorders.set(env, (name, fallback) => {
    if (!declared.has(name)) declared.set(name, fallback);
  });
  loadConfig(env);
  loadDemoServicesConfig(env);
  return declared;
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
