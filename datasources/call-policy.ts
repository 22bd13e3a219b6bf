/**
 * The call policy of one upstream service, built once for the process and shared by every
 * request: its circuit breaker (cockatiel, with a window of our own), its adaptive concurrency
 * limit, its retry budget and its backoff. Outermost first:
 *
 *   retry (a plain loop, within the budget and the operation's deadline)
 *     → circuit breaker → concurrency limit (adaptive; a line bounded by deadlines) → one attempt
 *
 * Nothing here knows HTTP: an attempt is a function, its failures are `UpstreamError`s.
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
   * One call: `attempt(n)` for n = 1, 2, … as long as the policy allows another. Only a call
   * that is safe to repeat is retried (`repeatable`), only after a transient failure
   * (connection error, 429, 502, 503, 504), at most `maxRetries` times, only while the
   * retry budget has a retry to spend, and only when the wait (the service's `Retry-After`,
   * else a jittered exponential backoff) ends before the deadline. Otherwise the last
   * failure is the call's.
   */
  async call<T>(repeatable: boolean, limits: CallLimits, attempt: (n: number) => Promise<T>): Promise<T> {
    this.retryBudget.deposit();
    let delays: IBackoff<unknown> | undefined;
    for (let n = 1; ; n += 1) {
      try {
        return await attempt(n);
      } catch (error) {
        if (!repeatable || !(error instanceof UpstreamError) || !isTransient(error) || n > this.settings.retry.maxRetries) throw error;
        delays = delays === undefined ? this.backoff.next() : delays.next(undefined);
        const delay = error.retryAfterMs ?? delays.duration;
        if (Date.now() + delay >= limits.deadline || limits.signal.aborted || !this.retryBudget.withdraw()) throw error;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /**
   * One attempt through the circuit breaker and the concurrency limit. A call they do not let
   * through fails with `CallRejected`. How the attempt ended teaches the limit: a success (unless
   * `learnsFrom` says its latency says nothing of the service, as for a cache hit) or a failure
   * of the service's (time-out, connection, 5xx, 429); the graph's own failures teach nothing.
   */
  async guarded<T>(attempt: () => Promise<T>, limits: CallLimits, learnsFrom: (result: T) => boolean = () => true): Promise<T> {
    // While the one trial call of a half-open circuit is out, the others fail at once:
    // cockatiel would make them wait for the trial, up to a whole time limit each.
    if (this.breaker.state === CircuitState.HalfOpen) throw new CallRejected('circuit-open');
    const judge = (ended: Ended<T>): CallOutcome => {
      if ('result' in ended) return learnsFrom(ended.result) ? 'ok' : 'ignored';
      return ended.error instanceof UpstreamError && isServiceFault(ended.error) ? 'dropped' : 'ignored';
    };
    try {
      return await this.breaker.execute(() => this.concurrency.run(attempt, limits, judge));
    } catch (error) {
      if (error instanceof BrokenCircuitError) throw new CallRejected('circuit-open', this.circuitRetryAfterMs());
      if (error instanceof LimitRejected) throw new CallRejected(error.reason === 'queue-full' ? 'overloaded' : error.reason);
      throw error;
    }
  }
}
