/**
 * The circuit of one service: closed (calls go), open (calls fail at once for `halfOpenAfterMs`),
 * half-open (one trial call goes; its end closes the circuit or opens it again). When it opens is
 * the window's to say (sliding-window-breaker.ts).
 *
 * cockatiel's `CircuitBreakerPolicy` has the same states and moves between them the same way,
 * but only around a function it runs itself: `execute(fn)` is two async functions deep and wraps
 * every result in an object, three promises and their turns of the queue on every call whether
 * or not the circuit has anything to say. The call pipeline asks and tells instead: `enter()` before
 * an attempt, `leave()` when it ended, both synchronous, so that a call is one promise from its
 * start to its answer (call-pipeline.ts).
 */
import { CircuitState } from 'cockatiel';
import type { Verdict } from './verdict.js';

/**
 * What decides when the circuit opens: told of each counted call's end, with the circuit's state
 * when the call went in (cockatiel's `IBreaker`, but its state for a `toJSON` this circuit has not).
 */
export interface Window {
  success(state: CircuitState): void;
  /** A failure: whether the circuit should open now. */
  failure(state: CircuitState): boolean;
}

/** The states this circuit is ever in (cockatiel's fourth, isolated by hand, has no use here). */
export type Circuit = CircuitState.Closed | CircuitState.Open | CircuitState.HalfOpen;

/** How an attempt let through went in: an ordinary call, or the half-open circuit's one trial. */
export type Pass = 'closed' | 'trial';

/** Told of each change of state. */
export interface CircuitEvents {
  opened(): void;
  halfOpen(): void;
  closed(): void;
}

export class CircuitBreaker {
  private current: Circuit = CircuitState.Closed;
  private openedAt = 0;

  constructor(
    private readonly window: Window,
    private readonly halfOpenAfterMs: number,
    private readonly events: CircuitEvents,
  ) {}

  get state(): Circuit {
    return this.current;
  }

  /**
   * Whether an attempt may go now, and how: `undefined` while the circuit is open, and while the
   * half-open circuit's trial is out (the others fail at once rather than wait for it). The first
   * attempt after `halfOpenAfterMs` is the trial.
   */
  enter(): Pass | undefined {
    switch (this.current) {
      case CircuitState.Closed:
        return 'closed';
      case CircuitState.Open:
        if (Date.now() - this.openedAt < this.halfOpenAfterMs) return undefined;
        this.current = CircuitState.HalfOpen;
        this.events.halfOpen();
        return 'trial';
      case CircuitState.HalfOpen:
        return undefined;
    }
  }

  /** An attempt that entered as `pass` ended so. */
  leave(pass: Pass, verdict: Verdict): void {
    if (pass === 'closed') {
      if (verdict === 'ok') this.window.success(CircuitState.Closed);
      else if (verdict === 'fault' && this.window.failure(CircuitState.Closed)) this.open();
      return;
    }
    // The trial: a fault opens the circuit again; anything else closes it (a failure that is not
    // the service's says it answers).
    if (verdict === 'fault') {
      this.window.failure(CircuitState.HalfOpen);
      this.open();
      return;
    }
    if (verdict === 'ok') this.window.success(CircuitState.HalfOpen);
    this.close();
  }

  /** While the circuit is open: how long until it lets a trial through. */
  retryAfterMs(): number | undefined {
    return this.current === CircuitState.Open ? Math.max(0, this.openedAt + this.halfOpenAfterMs - Date.now()) : undefined;
  }

  private open(): void {
    if (this.current === CircuitState.Open) return;
    this.current = CircuitState.Open;
    this.openedAt = Date.now();
    this.events.opened();
  }

  private close(): void {
    if (this.current !== CircuitState.HalfOpen) return;
    this.current = CircuitState.Closed;
    this.events.closed();
  }
}
