/**
 * The call policy of one upstream service, built once for the process and shared by every
 * request: its circuit breaker (circuit-breaker.ts, with a sliding window), its adaptive concurrency
 * limit, its retry budget and its backoff, and the decisions made from them (retry or not, and
 * after how long; let an attempt through or not). The call pipeline (call-pipeline.ts) applies
 * them in its order, retry → breaker → limit → attempt; nothing here knows HTTP or runs a call.
 */
import { CircuitState, ExponentialBackoff, fullJitterGenerator, type IBackoff } from 'cockatiel';
import { UpstreamError, isServiceFault, isTransient } from '../errors/upstream-error.js';
import type { ServiceName } from '../errors/service-name.js';
import { AdaptiveLimit } from './adaptive-limit.js';
import { CircuitBreaker, type Circuit } from './circuit-breaker.js';
import type { Verdict } from './verdict.js';
import type { CallLimits } from './request-scope.js';
import { RetryBudget } from './retry-budget.js';
import { SlidingWindowBreaker } from './sliding-window-breaker.js';
import type { UpstreamSettings } from './upstream-settings.js';

export type CircuitStateName = 'closed' | 'open' | 'half-open';

const STATE_NAMES: Record<Circuit, CircuitStateName> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
};

/** Where the policy tells its state changes: the process's logger. */
export interface PolicyLogger {
  info(message: string): void;
  warn(message: string): void;
}

export type CallPolicySettings = Pick<
  UpstreamSettings,
  'timeoutMs' | 'minConcurrency' | 'maxConcurrency' | 'maxQueue' | 'retry' | 'circuit'
>;

export class CallPolicy {
  readonly breaker: CircuitBreaker;
  readonly concurrency: AdaptiveLimit;
  readonly retryBudget: RetryBudget;
  /** Jittered exponential delays; `next()` starts a fresh sequence for each call. */
  private readonly backoff: ExponentialBackoff<unknown>;

  constructor(
    service: ServiceName,
    private readonly settings: CallPolicySettings,
    logger: PolicyLogger,
  ) {
    const { circuit, retry } = settings;
    this.breaker = new CircuitBreaker(
      new SlidingWindowBreaker({ threshold: circuit.failureRatio, windowMs: circuit.windowMs, minCalls: circuit.minCalls }),
      circuit.halfOpenAfterMs,
      {
        opened: () => logger.warn(`circuit of ${service} opened: calls fail at once for ${circuit.halfOpenAfterMs} ms`),
        halfOpen: () => logger.info(`circuit of ${service} half-open: trying one call`),
        closed: () => logger.info(`circuit of ${service} closed`),
      },
    );
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
}

/** The wait before a call's next attempt, and its backoff so far. */
export interface Retry {
  readonly delayMs: number;
  readonly backoff: IBackoff<unknown>;
}

/**
 * What an attempt's failure says of the service, to its circuit: a fault of the service's
 * (time-out, connection, 5xx, 429, garbage) counts; the graph's own failures do not.
 */
export function verdictOf(error: unknown): Verdict {
  return error instanceof UpstreamError && isServiceFault(error) ? 'fault' : 'neither';
}
