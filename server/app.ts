/**
 * Builds the graph server: the process-lifetime upstreams, the schema, the yoga app and
 * a Node request listener with the health endpoints. No `listen` here (see serve.ts).
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createHttpServer } from './http-server.js';
import { createYoga, type YogaLogger } from 'graphql-yoga';
import { Upstream, type Upstreams } from '../datasources/upstream.js';
import { RedisCacheTier } from '../datasources/cache-redis-tier.js';
import { adminRoutes } from '../place-order/dead-letter-routes.js';
import { GraphMetrics } from '../telemetry/metrics.js';
import { GraphTracing } from '../telemetry/tracing.js';
import { observers, type CallObserver } from '../datasources/call-observer.js';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { OrderSaga } from '../place-order/order-saga.js';
import { RedisSagaStore } from '../place-order/redis-saga-store.js';
import type { SagaStore } from '../place-order/saga-store.js';
import { SqliteSagaStore } from '../place-order/sqlite-saga-store.js';
import { SERVICE_NAMES, type ServiceName } from '../errors/service-name.js';
import { createContext } from './context.js';
import { processRoutes, type Route } from './http-routes.js';
import { graphiqlOptions } from './graphiql.js';
import { graphiqlPage } from './graphiql-page.js';
import { ownPersistedDocumentsPath, projectPath } from './project-files.js';
import { subgraphSchema } from './subgraph.js';
import { PersistedDocuments } from '../security/persisted-operations.js';
import { ConfigError, type Config } from './config.js';
import { assignRequestId } from '../security/request-id.js';
import { TokenVerifier } from '../security/authentication.js';
import { documentCaches } from '../security/operation-limits.js';
import { COST_HEADER } from '../security/demand-control.js';
import { createRateLimiter } from '../security/rate-limit.js';
import { ON_ERROR_PARAMETER } from '../errors/error-mode.js';
import { corsOptions } from '../security/cors.js';
import { UPSTREAM_CALLS_HEADER } from '../telemetry/upstream-call-list.js';
import { fastPath, type FastPathListener } from './fast-path.js';
import { pinnedVersions, type Yoga } from './yoga-internals.js';
import { graphPlugins } from './plugin-list.js';

const GRAPHQL_ENDPOINT = '/graphql';

export interface AppOptions {
  readonly config: Config;
  /** Where each upstream service is: from the config, or the embedded demo services. */
  readonly urls: Readonly<Record<ServiceName, string>>;
  readonly logger: YogaLogger;
  /**
   * Extra routes served before the graph (the demo controls); answers true when it handled the request.
   */
  readonly extraRoutes?: Route;
  /** Where spans go besides `OTEL_EXPORTER_OTLP_ENDPOINT` (tests: an in-memory exporter). */
  readonly spanExporter?: SpanExporter;
}

export interface App {
  readonly listener: (req: IncomingMessage, res: ServerResponse) => void;
  /** The HTTP server to listen with (server/http-server.ts): its limits, and the app's listener inside `wrap`. */
  httpServer(wrap?: (listener: App['listener']) => App['listener']): Server;
  /**
   * Resolves when the state shared with other replicas (the rate limit's Redis) is reachable,
   * or after `timeoutMs` with false; listen after it.
   */
  connected(timeoutMs: number): Promise<boolean>;
  /** From now on `/readyz` answers 503 so that load balancers stop sending traffic. */
  drain(): void;
  /** Reads the manifests of persisted operations again (SIGHUP): the number of operations, or a rejection that left the last set. */
  reloadPersistedOperations(): Promise<number>;
  /** The manifests of persisted operations read, and how many operations they hold now. */
  persistedOperations(): { readonly files: readonly string[]; readonly count: number };
  /** Stops the queue worker, closes the store and the upstream pools; call after the HTTP server has finished its requests. */
  close(): Promise<void>;
}

export function createApp({ config, urls, logger, extraRoutes, spanExporter }: AppOptions): App {
  const { store, metrics, tracing, upstreams, sharedCache, orderSaga } = backendsOf(config, urls, logger, spanExporter);
  const verifier = config.auth.jwtSecret === undefined && config.auth.jwksUrl === undefined ? undefined : new TokenVerifier(config.auth);
  const manifests = [ownPersistedDocumentsPath(), ...(config.exposure.persistedOperationsFiles ?? [])];
  const persisted = persistedDocuments(manifests, logger);
  const rateLimiter = createRateLimiter(config.rateLimit, { url: config.orders.redisUrl, prefix: config.orders.redisPrefix }, logger);
  const plugins = graphPlugins({ config, metrics, tracing, logger, verifier, rateLimiter, persisted });
  const yoga = yogaOf(config, logger, plugins, verifier !== undefined, (request, params) =>
    createContext(upstreams, orderSaga, request, params, config),
  );
  const fast = fastPathOf(yoga, config, logger, metrics);

  let draining = false;
  const purge = (service: string, path: string | undefined) =>
    (SERVICE_NAMES as readonly string[]).includes(service) ? upstreams[service as ServiceName].cache?.purge(path) : undefined;
  const routes = [processRoutes({ metrics, draining: () => draining }), adminRoutes(config.adminToken, orderSaga, purge)];
  if (extraRoutes !== undefined) routes.push(extraRoutes);

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    if (routes.some((route) => route(req, res))) return;
    if (draining) res.setHeader('connection', 'close');
    assignRequestId(req, res);
    if (!fast(req, res)) void yoga(req, res);
  };

  return {
    listener,
    httpServer: (wrap = (inner) => inner) =>
      createHttpServer(config.http, wrap(listener), {
        logger,
        onSlowClient: (req, socket) => rateLimiter.charge(req, socket.remoteAddress),
      }),
    connected: async (timeoutMs) => {
      const [limiter, cache] = await Promise.all([rateLimiter.connected(timeoutMs), sharedCache?.connected(timeoutMs) ?? true]);
      return limiter && cache;
    },
    drain: () => {
      draining = true;
    },
    reloadPersistedOperations: () => persisted.reload(),
    persistedOperations: () => ({ files: manifests, count: persisted.all().size }),
    close: async () => {
      await orderSaga.stop();
      await store.close();
      await Promise.all(Object.values(upstreams).map((upstream) => upstream.close()));
      await tracing.shutdown();
      await rateLimiter.close();
      await sharedCache?.close();
    },
  };
}

type GraphYoga = Yoga<{ req: IncomingMessage; res: ServerResponse }>;

/** What lives as long as the process: the order store and saga, the metrics and traces, the upstreams. */
function backendsOf(config: Config, urls: AppOptions['urls'], logger: YogaLogger, spanExporter: SpanExporter | undefined) {
  const { orders } = config;
  const store: SagaStore =
    orders.redisUrl === undefined
      ? new SqliteSagaStore({ path: orders.stateDbPath, ttlMs: orders.idempotencyTtlMs, pollMs: orders.pollMs })
      : new RedisSagaStore({
          url: orders.redisUrl,
          prefix: orders.redisPrefix,
          ttlMs: orders.idempotencyTtlMs,
          commandTimeoutMs: Math.min(1000, config.requestTimeoutMs),
        });
  const metrics = new GraphMetrics({ upstreams: () => Object.values(upstreams), queueDepth: () => store.pending() });
  const tracing = new GraphTracing({ otlpEndpoint: config.otlpEndpoint, exporter: spanExporter });
  const { upstreams, sharedCache } = upstreamsOf(config, urls, logger, observers(metrics, tracing));
  const orderSaga = new OrderSaga(upstreams, store, { ...orders, requestTimeoutMs: config.requestTimeoutMs }, logger, metrics);
  orderSaga.start();
  return { store, metrics, tracing, upstreams, sharedCache, orderSaga };
}

/** Yoga over the subgraph schema (server/subgraph.ts), with the request pipeline's plugins. */
function yogaOf(
  config: Config,
  logger: YogaLogger,
  plugins: ReturnType<typeof graphPlugins>,
  authentication: boolean,
  context: (request: Request, params: Record<string, unknown>) => ReturnType<typeof createContext>,
): GraphYoga {
  const { limits, exposure } = config;
  return createYoga<{ req: IncomingMessage; res: ServerResponse }>({
    // A Federation v2 subgraph schema, which also serves the graph's own endpoint.
    schema: subgraphSchema(),
    logging: logger,
    graphqlEndpoint: GRAPHQL_ENDPOINT,
    landingPage: false,
    batching: limits.maxBatch === 0 ? false : { limit: limits.maxBatch },
    // Ours instead (security/body-limit.ts): yoga's counts every body, declared length or not.
    maxRequestBodySize: false,
    // Only the origins CORS_ORIGINS names; no headers at all for any other (security/cors.ts).
    cors: corsOptions(config.cors, [UPSTREAM_CALLS_HEADER, COST_HEADER]),
    // `onError` (execution/error-modes.ts), beside the four standard parameters.
    extraParamNames: [ON_ERROR_PARAMETER],
    // Yoga's caches of parsed documents, bounded by memory; validation results are kept by the pipeline's last stage.
    parserAndValidationCache: { ...documentCaches(limits.documentCacheBytes), validationCache: false },
    graphiql: exposure.graphiql ? graphiqlOptions({ upstreamCallList: config.upstreamCallList, authentication }) : false,
    // GraphiQL served whole from this process, so that it works where no CDN can be reached,
    // with the upstream calls drawn where the list is on.
    renderGraphiQL: graphiqlPage(config.upstreamCallList ? ['upstream-calls-plugin.js'] : []),
    // Never echo a thrown bug's message or stack, whatever NODE_ENV says.
    maskedErrors: { isDev: false },
    // The request pipeline, phase by phase: which plugin acts where, and why there (server/plugin-list.ts).
    plugins,
    context: ({ request, params }) => context(request, params as Record<string, unknown>),
  });
}

/**
 * The common request (POST of JSON) through Yoga's phases without its Fetch adapter (server/fast-path.ts);
 * Yoga serves the rest, and every request when the fast path is off or cannot serve this Yoga (said once).
 */
function fastPathOf(yoga: GraphYoga, config: Config, logger: YogaLogger, metrics: GraphMetrics): FastPathListener {
  const never: FastPathListener = () => false;
  if (!config.fastPath) return never;
  const fast = fastPath(
    yoga,
    {
      endpoint: GRAPHQL_ENDPOINT,
      maxBodyBytes: config.limits.maxBodyBytes,
      logError: (error) => logger.error(error),
      taken: () => metrics.fastPath(),
    },
    pinnedVersions(projectPath('package.json')),
  );
  if (typeof fast === 'function') return fast;
  logger.warn(`fast path off: ${fast.off}; Yoga serves every request`);
  return never;
}

/** Every service's process-lifetime `Upstream`, their caches sharing one Redis tier when `UPSTREAM_CACHE=redis`. */
function upstreamsOf(
  config: Config,
  urls: AppOptions['urls'],
  logger: YogaLogger,
  observer: CallObserver,
): { upstreams: Upstreams; sharedCache: RedisCacheTier | undefined } {
  const { upstreamCacheRedis } = config;
  const sharedCache =
    upstreamCacheRedis === undefined
      ? undefined
      : new RedisCacheTier(
          { url: upstreamCacheRedis.url, prefix: config.orders.redisPrefix, maxBytes: upstreamCacheRedis.maxBytes },
          logger,
        );
  const cacheMode = {
    mode: config.upstreamCache,
    authentication: config.auth.jwtSecret !== undefined || config.auth.jwksUrl !== undefined,
    ...(sharedCache === undefined ? {} : { shared: sharedCache }),
  };
  const upstreams = Object.fromEntries(
    SERVICE_NAMES.map((service) => [service, new Upstream(service, urls[service], config.upstreams[service], logger, observer, cacheMode)]),
  ) as Upstreams;
  return { upstreams, sharedCache };
}

/** The manifests, read now: one that cannot be read is a configuration error, said at start. */
function persistedDocuments(files: readonly string[], logger: YogaLogger): PersistedDocuments {
  try {
    return new PersistedDocuments(files, (message) => logger.warn(message));
  } catch (error) {
    throw new ConfigError(`PERSISTED_OPERATIONS_FILE: ${error instanceof Error ? error.message : String(error)}`);
  }
}
