/**
 * The process, once the runtime is known to be right (main.ts): loads the configuration,
 * starts the embedded demo services when no upstream is configured, listens, and shuts down
 * cleanly on SIGTERM: stops taking connections, answers the requests in flight, then exits 0.
 */
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SERVICE_NAMES, type ServiceName } from '../errors/service-name.js';
import { configOrExit, loadConfig } from './config.js';
import { createApp } from './app.js';
import { demoRoutes } from '../demo/settings-routes.js';
import { createGraphLogger } from '../telemetry/logger.js';
import { startDemoServices } from '../demo/services.js';
import { TokenVerifier } from '../security/authentication.js';

const config = configOrExit(loadConfig);
const logger = createGraphLogger(config.logLevel);
// A throw nobody catches is a bug: it is logged (the tests fail on this line) and the
// process goes on serving the requests that do not meet it.
process.on('uncaughtException', (error) => logger.error(`uncaught exception: ${error.stack ?? String(error)}`));
process.on('unhandledRejection', (reason) =>
  logger.error(`unhandled rejection: ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}`),
);
// With authentication on, the embedded demo services verify the tokens the graph forwards, as real ones would.
const verifier = config.auth.jwtSecret === undefined && config.auth.jwksUrl === undefined ? undefined : new TokenVerifier(config.auth);
const demo = config.demo
  ? await startDemoServices({
      settings: { latencyMs: config.demoLatencyMs, cacheHeaders: config.demoCacheHeaders },
      ...(verifier === undefined ? {} : { identify: (authorization: string) => verifier.verify(authorization).catch(() => undefined) }),
      ...(config.demoContractCheck ? { onContractViolation: (violation: string) => logger.error(`contract violation: ${violation}`) } : {}),
    })
  : undefined;
const urls = demo?.urls ?? (Object.fromEntries(SERVICE_NAMES.map((s) => [s, config.upstreams[s].url!])) as Record<ServiceName, string>);
const app = configOrExit(() =>
  createApp({ config, urls, logger, ...(demo !== undefined && config.demoControls ? { extraRoutes: demoRoutes(demo) } : {}) }),
);

const inFlight = new Set<ServerResponse>();
const server = app.httpServer((listener) => (req, res) => {
  inFlight.add(res);
  res.once('close', () => inFlight.delete(res));
  listener(req, res);
});

if (config.exposure.production && config.auth.jwtSecret === undefined && config.auth.jwksUrl === undefined) {
  logger.warn('authentication is off: every caller may see and do everything (set AUTH_JWT_SECRET or AUTH_JWKS_URL)');
}
if (config.exposure.production && config.rateLimit.requests === 0) {
  logger.warn('rate limiting is off: any caller may send any number of requests (set RATE_LIMIT_REQUESTS)');
}
if (!(await app.connected(5000))) logger.warn('Redis is not reachable yet: rate limits are counted per process until it is');

server.listen(config.port, config.host, () => {
  const { port } = server.address() as AddressInfo;
  logger.info(`GraphQL on http://localhost:${port}/graphql${config.exposure.graphiql ? ' (GraphiQL in a browser)' : ''}`);
  logger.info(
    demo === undefined
      ? `upstreams: ${SERVICE_NAMES.map((service) => `${service} ${withoutCredentials(urls[service])}`).join(', ')}`
      : `upstreams: the embedded demo services (${Object.values(demo.urls).join(', ')})`,
  );
  const persisted = app.persistedOperations();
  logger.info(`persisted operations: ${persisted.count} from ${persisted.files.join(', ')}`);
});

/** A URL as a log line may show it: its user and password, if any, replaced. */
function withoutCredentials(url: string): string {
  const parsed = new URL(url);
  if (parsed.username === '' && parsed.password === '') return url;
  parsed.username = '***';
  parsed.password = '';
  return parsed.href;
}

let stopping = false;
function shutdown(signal: string): void {
  if (stopping) return;
  stopping = true;
  app.drain();
  // Answers still to come close their connection instead of keeping it alive.
  for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
  const forced = setTimeout(() => {
    logger.warn(`shutdown grace of ${config.shutdownGraceMs} ms is over: closing ${inFlight.size} connection(s)`);
    server.closeAllConnections();
  }, config.shutdownGraceMs);
  forced.unref();
  server.close(() => {
    void (async () => {
      await app.close();
      await demo?.close();
      logger.info('stopped');
      process.exit(0);
    })();
  });
  server.closeIdleConnections();
  logger.info(`${signal}: no longer listening; finishing ${inFlight.size} request(s) in flight`);
}

// SIGHUP: the frontends shipped new operations; their manifests are read again.
process.on('SIGHUP', () => {
  app.reloadPersistedOperations().then(
    (count) => logger.info(`SIGHUP: ${count} persisted operations`),
    (error: unknown) =>
      logger.error(`SIGHUP: the persisted operations were kept as they were: ${error instanceof Error ? error.message : String(error)}`),
  );
});
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
