/**
 * Everything about one upstream service that lives as long as the process: its keep-alive
 * pool, its HTTP cache, and the policies that protect it and us from each other: the
 * circuit breaker, the bulkhead and the retry budget. Shared by every request.
 */
import {
  BulkheadPolicy,
  CircuitState,
  ExponentialBackoff,
  SamplingBreaker,
  bulkhead,
  circuitBreaker,
  fullJitterGenerator,
  handleWhen,
  type CircuitBreakerPolicy,
} from 'cockatiel';
import { Pool, cacheStores, interceptors, type Dispatcher } from 'undici';
import type { YogaLogger } from 'graphql-yoga';
import type { ServiceName } from '../errors/service-name.js';
import type { UpstreamSettings } from './upstream-settings.js';
import { UpstreamError, isServiceFault } from '../errors/upstream-error.js';
import { NO_OBSERVER, type CallObserver } from './call-observer.js';
import { RetryBudget } from './retry-budget.js';

export type CircuitStateName = 'closed' | 'open' | 'half-open' | 'isolated';

const STATE_NAMES: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/** Every upstream service, by name: the process's, shared by every request. */
export type Upstreams = Readonly<Record<ServiceName, Upstream>>;

export class Upstream {
  readonly pool: Pool;
  /** The pool behind the shared HTTP cache, for calls whose answers may be cached. */
  readonly cachingDispatcher: Dispatcher;
  readonly cacheStore: InstanceType<typeof cacheStores.MemoryCacheStore> | undefined;
  readonly breaker: CircuitBreakerPolicy;
  readonly bulkhead: BulkheadPolicy;
  readonly retryBudget: RetryBudget;
  /** Jittered exponential delays; `next()` starts a fresh sequence for each call. */
  readonly backoff: ExponentialBackoff<number>;
  private openedAt = 0;

  constructor(
    readonly service: ServiceName,
    /** The service's base URL, also the origin of its cache entries. */
    readonly origin: string,
    readonly settings: UpstreamSettings,
    readonly logger: YogaLogger,
    /** Told of every call and batch (metrics, traces). */
    readonly observer: CallObserver = NO_OBSERVER,
  ) {
    // `connections` matches the bulkhead, so the pool itself never queues.
    this.pool = new Pool(origin, { connections: settings.maxConcurrency, pipelining: 1 });
    if (settings.cacheMaxBytes > 0) {
      this.cacheStore = new cacheStores.MemoryCacheStore({
        maxSize: settings.cacheMaxBytes,
        maxEntrySize: Math.min(settings.cacheMaxBytes, settings.maxResponseBytes),
      });
      // `shared`: an answer marked `private` is never kept for another request.
      this.cachingDispatcher = this.pool.compose(interceptors.cache({ store: this.cacheStore, methods: ['GET'], type: 'shared' }));
    } else {
      this.cachingDispatcher = this.pool;
    }

    const { circuit, retry } = settings;
    this.breaker = circuitBreaker(
      handleWhen((error) => error instanceof UpstreamError && isServiceFault(error)),
      {
        halfOpenAfter: circuit.halfOpenAfterMs,
        breaker: new SamplingBreaker({
          threshold: circuit.failureRatio,
          duration: circuit.windowMs,
          // SamplingBreaker counts a minimum rate; this turns it into a minimum number of calls in the window.
          minimumRps: circuit.minCalls / (circuit.windowMs / 1000),
        }),
      },
    );
    this.breaker.onBreak(() => {
      this.openedAt = Date.now();
      logger.warn(`circuit of ${service} opened: calls fail at once for ${circuit.halfOpenAfterMs} ms`);
    });
    this.breaker.onHalfOpen(() => logger.info(`circuit of ${service} half-open: trying one call`));
    this.breaker.onReset(() => logger.info(`circuit of ${service} closed`));

    this.bulkhead = bulkhead(settings.maxConcurrency, settings.maxQueue);
    this.retryBudget = new RetryBudget(retry.budgetRatio, retry.budgetBurst);
    this.backoff = new ExponentialBackoff({
      generator: fullJitterGenerator,
      initialDelay: retry.baseDelayMs,
      maxDelay: retry.maxDelayMs,
    });
  }

  get circuitState(): CircuitStateName {
    return STATE_NAMES[this.breaker.state];
  }

  /** While the circuit is open: how long until it lets a trial call through. */
  circuitRetryAfterMs(): number {
    return Math.max(0, this.openedAt + this.settings.circuit.halfOpenAfterMs - Date.now());
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
