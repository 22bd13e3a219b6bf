/**
 * How many calls to one service may be in flight at once, found as the process runs: loss-based
 * AIMD, as Netflix's concurrency-limits `AIMDLimit` and TCP do.
 *
 * - a call that ended well while the limit was in use (at least half of it in flight) adds
 *   one to the limit, up to the ceiling;
 * - a call the service dropped (time-out, refused, reset, 5xx, 429), or one slower than
 *   `slowMs`, multiplies it by `backoffRatio`, down to the floor.
 *
 * Latency counts only past `slowMs` (three quarters of the service's time limit), not relative to a
 * baseline: a latency measured in this process includes its own event-loop delay, and under
 * saturation a baseline rule shrank healthy services' limits to the floor (bench/JOURNAL.md), the
 * graph's overload blamed on the services again.
 *
 * Calls past the limit wait in line, in order, each until a slot frees or its own deadline
 * (or client) ends it; `maxQueue` caps the line as a guard of memory. One timer serves the whole
 * line, due at its earliest deadline: a timer a waiting call showed in the users-list profile
 * (bench/JOURNAL.md). The limit starts at the
 * smaller of the ceiling and `initialLimit`. Shared by every request of the process.
 */

import { onAbort } from './on-abort.js';
import type { CallLimits } from './request-scope.js';
import type { Verdict } from './verdict.js';

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
  /** A call slower than this (ms) counts as dropped: the service is struggling. */
  readonly slowMs: number;
}

/** Why a call was not let through: the line is full, or its deadline or client ended its wait. */
export class LimitRejected extends Error {
  override readonly name = 'LimitRejected';
  constructor(readonly reason: 'queue-full' | 'deadline' | 'aborted') {
    super(reason);
  }
}

interface Waiter {
  /** When its wait ends, admitted or not (epoch ms). */
  readonly deadline: number;
  /** A slot is its: the call runs. */
  readonly admit: () => void;
  /** Its deadline passed in line. */
  readonly expire: () => void;
}

export class AdaptiveLimit {
  private limitValue: number;
  private inFlightCount = 0;
  private readonly line: Waiter[] = [];
  /** One timer for the whole line, due at the earliest deadline in it (not one per waiting call). */
  private timer: NodeJS.Timeout | undefined;
  private timerDue = Infinity;

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
   * Takes a slot if one is free and no call waits for one: the call may go now, and gives the slot
   * back with `release` when it ended. Else the call waits in line (`wait`). A free slot is taken at
   * once, not after a turn of the event loop's promise queue.
   */
  tryTake(): boolean {
    if (this.inFlightCount >= this.limit || this.line.length > 0) return false;
    this.inFlightCount += 1;
    return true;
  }

  /**
   * A place in line, until a slot is handed over (it is the call's then, to `release`), or the
   * line is full, or the deadline or client ends the wait.
   */
  wait(limits: CallLimits): Promise<void> {
    if (this.line.length >= this.options.maxQueue) return Promise.reject(new LimitRejected('queue-full'));
    if (limits.signal.aborted) return Promise.reject(new LimitRejected('aborted'));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        deadline: limits.deadline,
        admit: () => {
          forget();
          resolve();
        },
        expire: () => {
          forget();
          reject(new LimitRejected('deadline'));
        },
      };
      const forget = onAbort(limits.signal, () => {
        const at = this.line.indexOf(waiter);
        if (at !== -1) this.line.splice(at, 1);
        if (this.line.length === 0) this.disarm();
        reject(new LimitRejected('aborted'));
      });
      this.line.push(waiter);
      this.armFor(waiter.deadline);
    });
  }

  /** The line's timer due at `deadline`, if that is earlier than it is due now. */
  private armFor(deadline: number): void {
    if (deadline >= this.timerDue) return;
    clearTimeout(this.timer);
    this.timerDue = deadline;
    this.timer = setTimeout(this.expireDue, Math.max(0, deadline - Date.now()));
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerDue = Infinity;
  }

  /** The line's timer fired: every call whose deadline has passed leaves it, in order; the timer is due at the next. */
  private readonly expireDue = (): void => {
    this.disarm();
    const now = Date.now();
    let kept = 0;
    let next = Infinity;
    for (const waiter of this.line) {
      if (waiter.deadline <= now) {
        waiter.expire();
      } else {
        this.line[kept++] = waiter;
        next = Math.min(next, waiter.deadline);
      }
    }
    this.line.length = kept;
    if (kept > 0) this.armFor(next);
  };

  /**
   * A call that held a slot ended, `latencyMs` after it was let through (undefined: a latency that
   * says nothing of the service, a cache's answer): the limit learns from it, the slot goes to the
   * next in line.
   */
  release(verdict: Verdict, latencyMs: number | undefined): void {
    const { floor, ceiling, backoffRatio = 0.9, slowMs } = this.options;
    const inUse = this.inFlightCount * 2 >= this.limitValue;
    this.inFlightCount -= 1;
    const timed = verdict === 'ok' && latencyMs !== undefined;
    if (verdict === 'fault' || (timed && latencyMs > slowMs)) {
      this.limitValue = Math.max(floor, this.limitValue * backoffRatio);
    } else if (timed && inUse) {
      this.limitValue = Math.min(ceiling, this.limitValue + 1);
    }
    while (this.line.length > 0 && this.inFlightCount < this.limit) {
      this.inFlightCount += 1;
      this.line.shift()!.admit();
      if (this.line.length === 0) this.disarm();
    }
  }
}
