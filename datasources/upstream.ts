/**
 * Everything about one upstream service that lives as long as the process: its keep-alive
 * pool, its HTTP cache, its call policy (circuit breaker, concurrency limit, retry budget) and the
 * pipeline a call runs through (call-pipeline.ts). Shared by every request.
 */
import { Pool, cacheStores, interceptors } from 'undici';
import type { YogaLogger } from 'graphql-yoga';
import type { ServiceName } from '../errors/service-name.js';
import type { AttemptTarget } from './attempt.js';
import { NO_OBSERVER, type CallObserver } from './call-observer.js';
import { CallPipeline } from './call-pipeline.js';
import { CallPolicy, type CircuitStateName } from './call-policy.js';
import type { CacheStore } from './stale-if-error.js';
import type { UpstreamSettings } from './upstream-settings.js';

/** Every upstream service, by name: the process's, shared by every request. */
export type Upstreams = Readonly<Record<ServiceName, Upstream>>;

export class Upstream {
  readonly pool: Pool;
  readonly cacheStore: CacheStore | undefined;
  /**
   * Where attempts go, built once: through the shared HTTP cache, or (for a request that carries
   * a user's credentials) straight to the pool.
   */
  readonly targets: { readonly shared: AttemptTarget; readonly private: AttemptTarget };
  readonly policy: CallPolicy;
  /** What happens on a call (call-pipeline.ts), built once. */
  readonly pipeline: CallPipeline;

  constructor(
    readonly service: ServiceName,
    /** The service's base URL, also the origin of its cache entries. */
    readonly origin: string,
    readonly settings: UpstreamSettings,
    readonly logger: YogaLogger,
    /** Told of every call and batch (metrics, traces). */
    readonly observer: CallObserver = NO_OBSERVER,
  ) {
    // `connections` is the concurrency limit's ceiling, so the pool itself never queues.
    this.pool = new Pool(origin, { connections: settings.maxConcurrency, pipelining: 1 });
    if (settings.cacheMaxBytes > 0) {
      this.cacheStore = new cacheStores.MemoryCacheStore({
        maxSize: settings.cacheMaxBytes,
        maxEntrySize: Math.min(settings.cacheMaxBytes, settings.maxResponseBytes),
      });
    }
    const target = { origin, timeoutMs: settings.timeoutMs, maxResponseBytes: settings.maxResponseBytes };
    this.targets = {
      shared:
        this.cacheStore === undefined
          ? { ...target, dispatcher: this.pool, cacheable: false }
          : {
              ...target,
              // `shared`: an answer marked `private` is never kept for another request.
              dispatcher: this.pool.compose(interceptors.cache({ store: this.cacheStore, methods: ['GET'], type: 'shared' })),
              cacheable: true,
            },
      private: { ...target, dispatcher: this.pool, cacheable: false },
    };
    this.policy = new CallPolicy(service, settings, logger);
    const { policy, targets, cacheStore } = this;
    this.pipeline = new CallPipeline({ service, origin, policy, targets, cacheStore, observer, logger });
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
