/**
 * How many calls to one service may be in flight at once, found as the process runs (AIMD,
 * as Netflix's concurrency-limits `AIMDLimit` and TCP do, with latency as a second signal):
 *
 * - a call that ended well, while the limit was in use (at least half of it in flight), adds
 *   one to the limit, up to the ceiling;
 * - a call the service dropped (time-out, refused, reset, 5xx, 429), or one that took more than
 *   `latencyTolerance` times the service's recent best, multiplies it by `backoffRatio`, down to
 *   the floor.
 *
 * Calls past the limit wait in line, in order, each until a slot frees or its own deadline
 * (or client) ends it; `maxQueue` caps the line as a guard of memory. The limit starts at the
 * smaller of the ceiling and `initialLimit`. Shared by every request of the process.
 */

export interface AdaptiveLimitOptions {
  /** The limit never falls below this. */
  readonly floor: number;
  /** ...nor rises above this (also the size of the service's connection pool). */
  readonly ceiling: number;
  /** Calls that may wait for a slot; past it a call is refused at once. */
  readonly maxQueue: number;
  /** @default 20 */
  readonly initialLimit?: number;
  /** @default 0.9 */
  readonly backoffRatio?: number;
  /** A call slower than this many times the recent best counts as a sign of overload. @default 2 */
  readonly latencyTolerance?: number;
  /** How long the recent best latency is remembered. @default 10000 */
  readonly baselineWindowMs?: number;
}

/** How a call ended, for the limit: `ok` (its latency counts), `dropped` by the service, or `ignored` (nothing learnt). */
export type CallOutcome = 'ok' | 'dropped' | 'ignored';

/** A call that ended: its result, or what it threw. */
export type Ended<T> = { readonly result: T } | { readonly error: unknown };

/** Why a call was not let through: the line is full, or its deadline or client ended its wait. */
export class LimitRejected extends Error {
  override readonly name = 'LimitRejected';
  constructor(readonly reason: 'queue-full' | 'deadline' | 'aborted') {
    super(reason);
  }
}

interface Waiter {
  readonly admit: () => void;
}

export class AdaptiveLimit {
  private limitValue: number;
  private inFlightCount = 0;
  private readonly line: Waiter[] = [];
  /** The best latency of the current and the previous baseline window. */
  private best = { current: Infinity, previous: Infinity, since: 0 };

  constructor(private readonly options: AdaptiveLimitOptions) {
    if (options.floor < 1 || options.floor > options.ceiling)
      throw new RangeError(`floor ${options.floor} must be in 1..ceiling ${options.ceiling}`);
    this.limitValue = Math.min(options.ceiling, Math.max(options.floor, options.initialLimit ?? 20));
  }

  /** The current limit (whole calls). */
  get limit(): number {
    return Math.floor(this.limitValue);
  }

  get inFlight(): number {
    return this.inFlightCount;
  }

  get waiting(): number {
    return this.line.length;
  }

  /**
   * Runs `call` once a slot is free, and learns from how it ended (`judge`). Fails with
   * `LimitRejected` when the line is full, or when `deadline` passes or `signal` aborts while
   * the call waits.
   */
  async run<T>(
    call: () => Promise<T>,
    limits: { deadline: number; signal: AbortSignal },
    judge: (ended: Ended<T>) => CallOutcome,
  ): Promise<T> {
    await this.acquire(limits);
    const started = performance.now();
    let ended: Ended<T> | undefined;
    try {
      const result = await call();
      ended = { result };
      return result;
    } catch (error) {
      ended = { error };
      throw error;
    } finally {
      this.release(judge(ended!), performance.now() - started);
    }
  }

  private acquire(limits: { deadline: number; signal: AbortSignal }): Promise<void> {
    if (this.inFlightCount < this.limit && this.line.length === 0) {
      this.inFlightCount += 1;
      return Promise.resolve();
    }
    if (this.line.length >= this.options.maxQueue) return Promise.reject(new LimitRejected('queue-full'));
    if (limits.signal.aborted) return Promise.reject(new LimitRejected('aborted'));
    return new Promise<void>((resolve, reject) => {
      const leave = (reason: LimitRejected) => {
        const at = this.line.indexOf(waiter);
        if (at !== -1) this.line.splice(at, 1);
        clearTimeout(timer);
        limits.signal.removeEventListener('abort', onAbort);
        reject(reason);
      };
      const onAbort = () => leave(new LimitRejected('aborted'));
      const timer = setTimeout(() => leave(new LimitRejected('deadline')), Math.max(0, limits.deadline - Date.now()));
      const waiter: Waiter = {
        admit: () => {
          clearTimeout(timer);
          limits.signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      limits.signal.addEventListener('abort', onAbort, { once: true });
      this.line.push(waiter);
    });
  }

  private release(outcome: CallOutcome, latencyMs: number): void {
    const { floor, ceiling, backoffRatio = 0.9, latencyTolerance = 2 } = this.options;
    const inUse = this.inFlightCount * 2 >= this.limitValue;
    this.inFlightCount -= 1;
    if (outcome === 'dropped' || (outcome === 'ok' && latencyMs > latencyTolerance * this.baseline(latencyMs))) {
      this.limitValue = Math.max(floor, this.limitValue * backoffRatio);
    } else if (outcome === 'ok' && inUse) {
      this.limitValue = Math.min(ceiling, this.limitValue + 1);
    }
    while (this.line.length > 0 && this.inFlightCount < this.limit) {
      this.inFlightCount += 1;
      this.line.shift()!.admit();
    }
  }

  /** The best latency of the last one to two baseline windows, this call's included. */
  private baseline(latencyMs: number): number {
    const now = Date.now();
    const windowMs = this.options.baselineWindowMs ?? 10_000;
    if (now - this.best.since >= windowMs) this.best = { current: Infinity, previous: this.best.current, since: now };
    this.best.current = Math.min(this.best.current, latencyMs);
    // A few ms of slack: on a fast local service, 2 × 1 ms is noise, not overload.
    return Math.min(this.best.current, this.best.previous) + 5;
  }
}
