/**
 * The call policy of one upstream service, built once for the process and shared by every
 * request: its circuit breaker (cockatiel, with a window of our own), its adaptive concurrency
 * limit, its retry budget and its backoff, and the decisions made from them (retry or not, and
 * after how long; let an attempt through or not). The call pipeline (call-pipeline.ts) applies
 * them in its order, retry → breaker → limit → attempt; nothing here knows HTTP or runs a call.
 */
import {
  BrokenCircuitError,
  CircuitState,
  ExponentialBackoff,
  circuitBreaker,
  fullJitterGenerator,
  handleWhen,
  type CircuitBreakerPolicy,
  type IBackoff,
} from 'cockatiel';
import { UpstreamError, isServiceFault, isTransient } from '../errors/upstream-error.js';
import type { ServiceName } from '../errors/service-name.js';
import { AdaptiveLimit, LimitRejected, type CallOutcome, type Ended } from './adaptive-limit.js';
import type { CallLimits } from './request-scope.js';
import { RetryBudget } from './retry-budget.js';
import { SlidingWindowBreaker } from './sliding-window-breaker.js';
import type { UpstreamSettings } from './upstream-settings.js';

export type CircuitStateName = 'closed' | 'open' | 'half-open' | 'isolated';

const STATE_NAMES: Record<CircuitState, CircuitStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/** Where the policy tells its state changes: the process's logger. */
export interface PolicyLogger {
  info(message: string): void;
  warn(message: string): void;
}

/**
 * An attempt the policy did not let through: the circuit is open, the line to the service is
 * full, or the call's deadline (or client) ended its wait in that line.
 */
export class CallRejected extends Error {
  override readonly name = 'CallRejected';

  constructor(
    readonly failure: 'circuit-open' | 'overloaded' | 'deadline' | 'aborted',
    /** While the circuit is open: how long until it lets a trial call through. */
    readonly retryAfterMs?: number,
  ) {
    super(failure);
  }
}

export type CallPolicySettings = Pick<
  UpstreamSettings,
  'timeoutMs' | 'minConcurrency' | 'maxConcurrency' | 'maxQueue' | 'retry' | 'circuit'
>;

export class CallPolicy {
  readonly breaker: CircuitBreakerPolicy;
  readonly concurrency: AdaptiveLimit;
  readonly retryBudget: RetryBudget;
  /** Jittered exponential delays; `next()` starts a fresh sequence for each call. */
  private readonly backoff: ExponentialBackoff<unknown>;
  private openedAt = 0;

  constructor(
    service: ServiceName,
    private readonly settings: CallPolicySettings,
    logger: PolicyLogger,
  ) {
    const { circuit, retry } = settings;
    this.breaker = circuitBreaker(
      handleWhen((error) => error instanceof UpstreamError && isServiceFault(error)),
      {
        halfOpenAfter: circuit.halfOpenAfterMs,
        breaker: new SlidingWindowBreaker({ threshold: circuit.failureRatio, windowMs: circuit.windowMs, minCalls: circuit.minCalls }),
      },
    );
    this.breaker.onBreak(() => {
      this.openedAt = Date.now();
      logger.warn(`circuit of ${service} opened: calls fail at once for ${circuit.halfOpenAfterMs} ms`);
    });
    this.breaker.onHalfOpen(() => logger.info(`circuit of ${service} half-open: trying one call`));
    this.breaker.onReset(() => logger.info(`circuit of ${service} closed`));
    this.concurrency = new AdaptiveLimit({
      floor: Math.min(settings.minConcurrency, settings.maxConcurrency),
      ceiling: settings.maxConcurrency,
      maxQueue: settings.maxQueue,
      // A call that took most of its time limit: the next ones may well time out. Less than that
      // is no sign (a service at 1 s under a 2 s limit is slow, not struggling: halving the
      // limit for it left calls waiting out their deadline in line).
      slowMs: settings.timeoutMs * 0.75,
    });
    this.retryBudget = new RetryBudget(retry.budgetRatio, retry.budgetBurst);
    this.backoff = new ExponentialBackoff({ generator: fullJitterGenerator, initialDelay: retry.baseDelayMs, maxDelay: retry.maxDelayMs });
  }

  get circuitState(): CircuitStateName {
    return STATE_NAMES[this.breaker.state];
  }

  /** While the circuit is open: how long until it lets a trial call through. */
  circuitRetryAfterMs(): number {
    return Math.max(0, this.openedAt + this.settings.circuit.halfOpenAfterMs - Date.now());
  }

  /**
   * After attempt `n` of a call failed with `error`: the wait before the next attempt, or
   * `undefined` when the failure is the call's. Only a call that is safe to repeat is retried
   * (`repeatable`), only after a transient failure (connection error, 429, 502, 503, 504), at
   * most `maxRetries` times, only while the retry budget has a retry to spend, and only when the
   * wait (the service's `Retry-After`, else a jittered exponential backoff, `previous` the call's
   * delays so far) ends before the deadline. The call itself starts with `callStarted()`.
   */
  retry(repeatable: boolean, error: unknown, n: number, limits: CallLimits, previous: IBackoff<unknown> | undefined): Retry | undefined {
    if (!repeatable || !(error instanceof UpstreamError) || !isTransient(error) || n > this.settings.retry.maxRetries) return undefined;
    const backoff = previous === undefined ? this.backoff.next() : previous.next(undefined);
    const delayMs = error.retryAfterMs ?? backoff.duration;
    if (Date.now() + delayMs >= limits.deadline || limits.signal.aborted || !this.retryBudget.withdraw()) return undefined;
    return { delayMs, backoff };
  }

  /** A call starts: it earns the retry budget its share. */
  callStarted(): void {
    this.retryBudget.deposit();
  }

  /**
   * Whether an attempt may go to the breaker at all: while the one trial call of a half-open
   * circuit is out, the others fail at once (cockatiel would make them wait for the trial, up to
   * a whole time limit each).
   */
  admits(): boolean {
    return this.breaker.state !== CircuitState.HalfOpen;
  }

  /** What the breaker or the limit refused with, as `CallRejected`; any other error as it is. */
  rejection(error: unknown): unknown {
    if (error instanceof BrokenCircuitError) return new CallRejected('circuit-open', this.circuitRetryAfterMs());
    if (error instanceof LimitRejected) return new CallRejected(error.reason === 'queue-full' ? 'overloaded' : error.reason);
    return error;
  }
}

/** The wait before a call's next attempt, and its backoff so far. */
export interface Retry {
  readonly delayMs: number;
  readonly backoff: IBackoff<unknown>;
}

/**
 * How an attempt's end teaches the concurrency limit: a success (unless a cache hit, whose
 * latency says nothing of the service) or a failure of the service's (time-out, connection,
 * 5xx, 429); the graph's own failures teach nothing.
 */
export function limitOutcome(ended: Ended<{ readonly cacheHit: boolean }>): CallOutcome {
  if ('result' in ended) return ended.result.cacheHit ? 'ignored' : 'ok';
  return ended.error instanceof UpstreamError && isServiceFault(ended.error) ? 'dropped' : 'ignored';
}
