/**
 * Prometheus metrics, served at `/metrics`: the process's (prom-client's default metrics) and
 * the gauges read at each scrape in a prom-client registry, the counters and histograms the
 * request path feeds in cells of their own (metric-cells.ts: no label key built per observation).
 * One set per app, so that several graphs in one process (tests) keep theirs apart. Every label
 * value is bounded: services, route templates, statuses, error codes, and operation names capped in number.
 */
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { CellCounter, CellHistogram } from './metric-cells.js';
import { NO_HEADERS, type CacheTier, type CallHandle, type CallObserver, type UpstreamCallStart } from '../datasources/call-observer.js';
import type { CacheResult } from '../datasources/upstream-cache.js';
import type { ServiceName } from '../errors/service-name.js';
import type { Upstream } from '../datasources/upstream.js';
import type { OperationInfo, OperationSummary } from './operation-record.js';

/**
 * A label whose values come from clients (operation names) or libraries (error codes): a
 * value of the expected shape is kept until `max` distinct ones were seen; anything else is `other`.
 */
class BoundedLabel {
  private readonly seen = new Set<string>();

  constructor(
    private readonly shape: RegExp,
    private readonly max: number,
  ) {}

  value(raw: string): string {
    if (!this.shape.test(raw)) return 'other';
    if (this.seen.has(raw)) return raw;
    if (this.seen.size >= this.max) return 'other';
    this.seen.add(raw);
    return raw;
  }
}

const CIRCUIT_STATES = { closed: 0, 'half-open': 1, open: 2 } as const;

/** How long a scrape waits for the state store's queue depth before it reports the last one. */
const QUEUE_DEPTH_WAIT_MS = 500;

/** `work`, or a rejection after `ms`. */
function beforeTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** Operation costs: from a single read to past any sensible MAX_COST. */
const COST_BUCKETS = [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000];

/** Seconds: from a cache hit to a call that ran out of a 10 s budget. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class GraphMetrics implements CallObserver {
  private readonly registry = new Registry();
  private readonly operationNames = new BoundedLabel(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 100);
  private readonly errorCodes = new BoundedLabel(/^[A-Z][A-Z0-9_]{0,47}$/, 50);

  private readonly operations = new CellCounter(
    'graphql_operations_total',
    'GraphQL operations by name, type, outcome (success, partial: data with errors, error: no data) ' +
      'and error mode (on_error: PROPAGATE, NULL, HALT).',
    ['operation', 'type', 'outcome', 'on_error'],
  );

  private readonly halts = new CellCounter('graphql_halts_total', 'Operations ended by their first field error (onError: HALT), by name.', [
    'operation',
  ]);

  private readonly haltCancelledCalls = new CellCounter(
    'graphql_halt_cancelled_calls_total',
    'Upstream calls of an operation still in flight when it halted, cut short by the halt (aborted, or dropped from the line).',
    ['operation'],
  );

  private readonly operationDuration = new CellHistogram(
    'graphql_operation_duration_seconds',
    'Time to execute a GraphQL operation.',
    ['operation', 'type'],
    DURATION_BUCKETS,
  );

  private readonly estimatedCost = new CellHistogram(
    'graphql_operation_cost_estimated',
    'Cost of an operation estimated before it ran (@cost, @listSize; MAX_COST), by name.',
    ['operation'],
    COST_BUCKETS,
  );

  private readonly actualCost = new CellHistogram(
    'graphql_operation_cost_actual',
    'Cost of an operation once it ran: the estimate with each list at the length it came back with, by name.',
    ['operation'],
    COST_BUCKETS,
  );

  private readonly costOverLimit = new CellCounter(
    'graphql_operation_cost_over_limit_total',
    'Operations estimated above MAX_COST, by name and COST_MODE: refused (enforce) or let through and logged (measure).',
    ['operation', 'mode'],
  );

  private readonly errors = new CellCounter('graphql_errors_total', 'Errors in GraphQL answers, by extensions.code.', ['code']);

  private readonly upstreamCalls = new CellCounter(
    'upstream_requests_total',
    'Attempts at upstream calls by service, route template, method, status (or failure without one) ' +
      'and whether the HTTP cache answered.',
    ['service', 'route', 'method', 'status', 'cache'],
  );

  private readonly upstreamDuration = new CellHistogram(
    'upstream_request_duration_seconds',
    'Duration of an attempt at an upstream call, waiting for a slot of its concurrency limit included.',
    ['service', 'route', 'method'],
    DURATION_BUCKETS,
  );

  private readonly batchSizes = new CellHistogram(
    'dataloader_batch_size',
    'Keys per DataLoader batch.',
    ['loader'],
    [1, 2, 5, 10, 25, 50, 100, 250],
  );

  private readonly queueRetries = new CellCounter(
    'order_queue_retries_total',
    'Steps of placeOrder sagas queued again after a failure (email, compensation).',
    ['step'],
  );

  private readonly fastPathRequests = new CellCounter(
    'graphql_fast_path_requests_total',
    'GraphQL requests served by the fast path (server/fast-path.ts: POST, JSON of declared length); Yoga served the rest.',
  );

  private readonly cacheLookups = new CellCounter(
    'upstream_cache_lookups_total',
    "Reads that met a service's cache, by service, tier and result: hit, miss, stale (served after a failure), " +
      'revalidated (a 304 renewed it), coalesced (joined the same read in flight), bypass.',
    ['service', 'tier', 'result'],
  );

  private readonly cacheInvalidations = new CellCounter(
    'upstream_cache_invalidations_total',
    'Tags of cached reads a write of the graph changed (each bumped before the write and once it is over), by service.',
    ['service'],
  );

  private readonly compiledOperations = new CellCounter(
    'graphql_compiled_operations_total',
    'Operations compiled (graphql-jit) after COMPILED_EXECUTION_AFTER runs of their document on the standard executor.',
  );

  private readonly deadLetters = new CellCounter(
    'order_queue_dead_letters_total',
    'Confirmation emails dead-lettered after their last attempt.',
  );

  /** The request path's metrics, in the order `/metrics` shows them (after the registry's). */
  private readonly cells = [
    this.operations,
    this.halts,
    this.haltCancelledCalls,
    this.operationDuration,
    this.estimatedCost,
    this.actualCost,
    this.costOverLimit,
    this.errors,
    this.upstreamCalls,
    this.upstreamDuration,
    this.batchSizes,
    this.queueRetries,
    this.fastPathRequests,
    this.cacheLookups,
    this.cacheInvalidations,
    this.compiledOperations,
    this.deadLetters,
  ];

  /** Every metric in the Prometheus text format, as `/metrics` serves it. */
  async exposition(): Promise<string> {
    return `${await this.registry.metrics()}\n${this.cells.map((cell) => cell.exposition()).join('\n\n')}\n`;
  }

  /** The exposition's content type. */
  get contentType(): string {
    return this.registry.contentType;
  }

  constructor(options: { upstreams: () => readonly Upstream[]; queueDepth: () => Promise<number> }) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'upstream_circuit_state',
      help: 'Circuit breaker per upstream: 0 closed, 1 half-open, 2 open.',
      labelNames: ['service'] as const,
      registers: [this.registry],
      collect() {
        for (const upstream of options.upstreams()) this.set({ service: upstream.service }, CIRCUIT_STATES[upstream.circuitState]);
      },
    });
    new Gauge({
      name: 'upstream_cache_bytes',
      help: "Bytes a service's cache holds in this process (approximate: bodies, twice over for their parsed JSON).",
      labelNames: ['service', 'tier'] as const,
      registers: [this.registry],
      collect() {
        for (const upstream of options.upstreams())
          if (upstream.cache !== undefined) this.set({ service: upstream.service, tier: 'memory' }, upstream.cache.bytes);
      },
    });
    new Gauge({
      name: 'upstream_concurrency_limit',
      help: 'Adaptive concurrency limit per upstream: calls it lets be in flight at once now.',
      labelNames: ['service'] as const,
      registers: [this.registry],
      collect() {
        for (const upstream of options.upstreams()) this.set({ service: upstream.service }, upstream.concurrencyLimit);
      },
    });
    // `/metrics` answers from what it knows: a depth the store cannot tell in time (Redis away)
    // is the last one known, and said to be stale. Both gauges wait for one look per scrape
    // (prom-client collects the metrics of a scrape at once).
    let depth = 0;
    let stale = 0;
    let looking: Promise<void> | undefined;
    const look = (): Promise<void> =>
      (looking ??= beforeTimeout(options.queueDepth(), QUEUE_DEPTH_WAIT_MS)
        .then(
          (known) => {
            depth = known;
            stale = 0;
          },
          () => {
            stale = 1;
          },
        )
        .finally(() => {
          looking = undefined;
        }));
    new Gauge({
      name: 'order_queue_depth',
      help: 'placeOrder sagas waiting for a run (email, compensation, recovery); see order_queue_depth_stale.',
      registers: [this.registry],
      async collect() {
        await look();
        this.set(depth);
      },
    });
    new Gauge({
      name: 'order_queue_depth_stale',
      help: '1 when order_queue_depth is the last value known: the state store did not answer this scrape in time.',
      registers: [this.registry],
      async collect() {
        await look();
        this.set(stale);
      },
    });
  }

  callStarted(call: UpstreamCallStart): CallHandle {
    // Timed here rather than by `startTimer`, whose two closures, high-resolution clock and label
    // copy a call were as much again as the observation itself.
    const started = performance.now();
    return {
      headers: NO_HEADERS,
      end: (end) => {
        this.upstreamDuration.observe([call.service, call.route, call.method], (performance.now() - started) / 1000);
        const status = end.status === undefined ? end.outcome : String(end.status);
        this.upstreamCalls.inc([call.service, call.route, call.method, status, end.cacheHit ? 'hit' : 'miss']);
      },
    };
  }

  cacheLookup(service: ServiceName, tier: CacheTier, result: CacheResult): void {
    this.cacheLookups.inc([service, tier, result]);
  }

  cacheInvalidated(service: ServiceName, tags: number): void {
    this.cacheInvalidations.inc([service], tags);
  }

  batchDispatched(loader: string, size: number): () => void {
    this.batchSizes.observe([loader], size);
    return () => undefined;
  }

  /** An operation starts; the function returned records its end. */
  operationStarted({ name, type, errorMode }: OperationInfo): (summary: OperationSummary) => void {
    const operation = name === undefined ? 'anonymous' : this.operationNames.value(name);
    const started = performance.now();
    return ({ outcome, errorCodes, halt, cost }) => {
      this.operationDuration.observe([operation, type], (performance.now() - started) / 1000);
      if (cost !== undefined) {
        this.estimatedCost.observe([operation], cost.estimated);
        this.actualCost.observe([operation], cost.actual);
      }
      this.operations.inc([operation, type, outcome, errorMode]);
      for (const code of errorCodes) this.errors.inc([this.errorCodes.value(code)]);
      if (halt !== undefined) {
        this.halts.inc([operation]);
        this.haltCancelledCalls.inc([operation], halt.cancelledCalls);
      }
    };
  }

  /** An operation estimated above `MAX_COST`: refused (enforce) or let through (measure). */
  overLimit(name: string | undefined, mode: 'enforce' | 'measure'): void {
    this.costOverLimit.inc([name === undefined ? 'anonymous' : this.operationNames.value(name), mode]);
  }

  /** Errors of a request that never reached execution (parse, validation). */
  rejected(errorCodes: readonly string[]): void {
    for (const code of errorCodes) this.errors.inc([this.errorCodes.value(code)]);
  }

  /** A request the fast path took. */
  fastPath(): void {
    this.fastPathRequests.inc();
  }

  /** An operation compiled for compiled execution. */
  compiledOperation(): void {
    this.compiledOperations.inc();
  }

  retried(step: string): void {
    this.queueRetries.inc([step]);
  }

  deadLettered(): void {
    this.deadLetters.inc();
  }
}
