/**
 * The circuit apart from calls, on a fake clock: what `enter` lets through in each state and how
 * `leave` moves it, as cockatiel's CircuitBreakerPolicy moves (the call pipeline's own tests, in
 * call-policy.test.ts, drive it through real attempts).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CircuitBreaker } from '../datasources/circuit-breaker.js';
import { SlidingWindowBreaker } from '../datasources/sliding-window-breaker.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000, toFake: ['Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

/** A circuit that opens at the second fault of two calls or more (more than half failed), half-open 5 s after. */
function circuit() {
  const events: string[] = [];
  const breaker = new CircuitBreaker(new SlidingWindowBreaker({ threshold: 0.5, windowMs: 10_000, minCalls: 2 }), 5000, {
    opened: () => events.push('opened'),
    halfOpen: () => events.push('half-open'),
    closed: () => events.push('closed'),
  });
  const open = () => {
    breaker.leave(breaker.enter()!, 'fault');
    breaker.leave(breaker.enter()!, 'fault');
  };
  /** Opened, then its trial let through once the wait is over, and ended as `end`. */
  const trialEnded = (end: 'ok' | 'fault' | 'neither') => {
    open();
    vi.setSystemTime(Date.now() + 5000);
    breaker.leave(breaker.enter()!, end);
  };
  return { breaker, events, open, trialEnded };
}

describe('the circuit', () => {
  it('lets every call through while closed, and opens once its window says so', () => {
    const { breaker, events } = circuit();
    expect(breaker.enter()).toBe('closed');
    breaker.leave('closed', 'fault');
    expect(breaker.enter()).toBe('closed');
    // What is not the service's fault is not counted: still one fault in the window.
    breaker.leave('closed', 'neither');
    expect(events).toEqual([]);
    breaker.leave('closed', 'fault');
    expect([breaker.enter(), breaker.retryAfterMs(), events]).toEqual([undefined, 5000, ['opened']]);
  });

  it('refuses while open, then lets one trial through and refuses the others while it is out', () => {
    const { breaker, events, open } = circuit();
    open();
    vi.setSystemTime(Date.now() + 4999);
    expect([breaker.enter(), breaker.retryAfterMs()]).toEqual([undefined, 1]);
    vi.setSystemTime(Date.now() + 1);
    expect(breaker.enter()).toBe('trial');
    // No retry-after while the trial is out: its end decides.
    expect([breaker.enter(), breaker.retryAfterMs(), events]).toEqual([undefined, undefined, ['opened', 'half-open']]);
  });

  it('closes after a trial that succeeded, and forgets what made it open', () => {
    const { breaker, events, trialEnded } = circuit();
    trialEnded('ok');
    expect([breaker.enter(), events]).toEqual(['closed', ['opened', 'half-open', 'closed']]);
    // The window starts again: one fault is not enough to open it.
    breaker.leave('closed', 'fault');
    expect(breaker.enter()).toBe('closed');
  });

  it('opens again after a trial that failed, for another wait', () => {
    const { breaker, events, trialEnded } = circuit();
    trialEnded('fault');
    expect([breaker.enter(), breaker.retryAfterMs(), events]).toEqual([undefined, 5000, ['opened', 'half-open', 'opened']]);
  });

  it('closes after a trial that failed for a reason not the service’s (the client gone, the deadline)', () => {
    const { breaker, events, trialEnded } = circuit();
    trialEnded('neither');
    expect([breaker.enter(), events]).toEqual(['closed', ['opened', 'half-open', 'closed']]);
  });
});
