/**
 * Everything about one upstream service that lives as long as the process: its keep-alive
 * pool, its read cache, its call policy (circuit breaker, concurrency limit, retry budget) and the
 * pipeline a call runs through (call-pipeline.ts). Shared by every request.
 */
import { Pool } from 'undici';
import type { YogaLogger } from 'graphql-yoga';
import type { ServiceName } from '../errors/service-name.js';
import type { AttemptTarget } from './attempt.js';
import { NO_OBSERVER, type CallObserver } from './call-observer.js';
import { CallPipeline } from './call-pipeline.js';
import { CallPolicy, type CircuitStateName } from './call-policy.js';
import { UpstreamCache } from './upstream-cache.js';
import { UpstreamError } from '../errors/upstream-error.js';
import type { RedisCacheTier } from './cache-redis-tier.js';
import type { UpstreamSettings } from './upstream-settings.js';

/** Every upstream service, by name: the process's, shared by every request. */
export type Upstreams = Readonly<Record<ServiceName, Upstream>>;

/** How the services' read answers are cached (`UPSTREAM_CACHE`); the same for every service. */
export interface CacheMode {
  /** `off`: no answer is reused; `redis`: the `shared` tier behind each process's memory. @default "memory" (`UPSTREAM_CACHE`) */
  readonly mode: 'off' | 'memory' | 'redis';
  /** The tier every replica shares, with `redis`. */
  readonly shared?: RedisCacheTier;
  /** Authentication is on: a private answer to a request without credentials is not kept. */
  readonly authentication: boolean;
}

const NO_CACHE: CacheMode = { mode: 'off', authentication: false };

export class Upstream {
  readonly pool: Pool;
  /** The service's read cache (upstream-cache.ts); `undefined` when off. */
  readonly cache: UpstreamCache | undefined;
  readonly policy: CallPolicy;
  /** What happens on a call (call-pipeline.ts), built once. */
  readonly pipeline: CallPipeline;

  constructor(
    readonly service: ServiceName,
    /** The service's base URL. */
    readonly origin: string,
    readonly settings: UpstreamSettings,
    readonly logger: YogaLogger,
    /** Told of every call and batch (metrics, traces), and of the cache's lookups. */
    readonly observer: CallObserver = NO_OBSERVER,
    cacheMode: CacheMode = NO_CACHE,
  ) {
    // `connections` is the concurrency limit's ceiling, so the pool itself never queues.
    this.pool = new Pool(origin, { connections: settings.maxConcurrency, pipelining: 1 });
    const target: AttemptTarget = {
      dispatcher: this.pool,
      origin,
      timeoutMs: settings.timeoutMs,
      maxResponseBytes: settings.maxResponseBytes,
    };
    this.policy = new CallPolicy(service, settings, logger);
    this.cache =
      cacheMode.mode === 'off'
        ? undefined
        : new UpstreamCache(
            {
              service,
              maxBytes: settings.cacheMaxBytes,
              maxEntryBytes: Math.min(settings.cacheMaxBytes, settings.maxResponseBytes * 2 + 1024),
              authentication: cacheMode.authentication,
              ...(cacheMode.shared === undefined ? {} : { shared: cacheMode.shared }),
            },
            {
              lookup: (result, tier = 'memory') => observer.cacheLookup?.(service, tier, result),
              invalidated: (tags) => observer.cacheInvalidated?.(service, tags),
            },
            (code, failure) => new UpstreamError(code, service, { failure }),
          );
    this.pipeline = new CallPipeline({ service, policy: this.policy, target, cache: this.cache, observer, logger });
  }

  get circuitState(): CircuitStateName {
    return this.policy.circuitState;
  }

  /** Calls the adaptive limit lets be in flight at once now. */
  get concurrencyLimit(): number {
    return this.policy.concurrency.limit;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
