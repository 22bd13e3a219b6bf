/**
 * The adaptive concurrency limit apart from HTTP, on fake timers (the clock and
 * `performance.now()` both): how it grows, how it shrinks, and how its line behaves.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AdaptiveLimit, LimitRejected, type AdaptiveLimitOptions } from '../datasources/adaptive-limit.js';
import type { Verdict } from '../datasources/verdict.js';
import type { CallLimits } from '../datasources/request-scope.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000, toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

const limiter = (options: Partial<AdaptiveLimitOptions> = {}) =>
  new AdaptiveLimit({ floor: 1, ceiling: 100, maxQueue: 100, initialLimit: 10, slowMs: 1000, ...options });
const within = (ms = 10_000, signal = new AbortController().signal) => ({ deadline: Date.now() + ms, signal });

/**
 * One call through the limit, as the call pipeline makes one: a slot at once (`tryTake`) or a place
 * in line (`wait`), then the slot given back (`release`) with how the call ended.
 */
async function run<T>(limit: AdaptiveLimit, call: () => Promise<T>, limits: CallLimits, verdict: Verdict): Promise<T> {
  if (!limit.tryTake()) await limit.wait(limits);
  const started = performance.now();
  try {
    return await call();
  } finally {
    limit.release(verdict, performance.now() - started);
  }
}

/** `count` calls at once, each taking `latencyMs` and ending with `verdict`; resolves when all have ended. */
async function calls(limit: AdaptiveLimit, count: number, latencyMs: number, verdict: Verdict = 'ok'): Promise<void> {
  const all = Array.from({ length: count }, () =>
    run(limit, () => new Promise<void>((resolve) => setTimeout(resolve, latencyMs)), within(), verdict).catch(() => undefined),
  );
  await vi.advanceTimersByTimeAsync(latencyMs);
  await Promise.all(all);
}

describe('the adaptive concurrency limit', () => {
  it('grows by one for each good call that ended while the limit was in use, up to the ceiling', async () => {
    const limit = limiter({ initialLimit: 4, ceiling: 6 });
    await calls(limit, 4, 10);
    expect(limit.limit).toBe(6);
    // One call at a time does not use a limit of 6: no reason to grow.
    const before = limit.limit;
    await calls(limit, 1, 10);
    expect(limit.limit).toBe(before);
  });

  it('shrinks by the backoff ratio for each call the service dropped, down to the floor', async () => {
    const limit = limiter({ initialLimit: 20, floor: 4 });
    await calls(limit, 1, 10, 'fault');
    expect(limit.limit).toBe(18);
    for (let i = 0; i < 30; i++) await calls(limit, 1, 10, 'fault');
    expect(limit.limit).toBe(4);
  });

  it('shrinks for a call slower than slowMs, as for a dropped one, and not for what it ignores', async () => {
    const limit = limiter({ initialLimit: 10, slowMs: 1000 });
    await calls(limit, 1, 999);
    expect(limit.limit).toBe(10);
    await calls(limit, 1, 1001);
    expect(limit.limit).toBe(9);
    await calls(limit, 1, 5000, 'neither');
    expect(limit.limit).toBe(9);
  });

  it('lets calls past the limit wait in line, and runs them in order as slots free', async () => {
    const limit = limiter({ initialLimit: 1, ceiling: 1 });
    const order: string[] = [];
    const call = (name: string, ms: number) =>
      run(
        limit,
        async () => {
          order.push(name);
          await new Promise((resolve) => setTimeout(resolve, ms));
        },
        within(),
        'ok',
      );
    const all = [call('a', 10), call('b', 10), call('c', 10)];
    expect([limit.inFlight, limit.waiting]).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(30);
    await Promise.all(all);
    expect(order).toEqual(['a', 'b', 'c']);
    expect([limit.inFlight, limit.waiting]).toEqual([0, 0]);
  });

  it('a waiting call leaves the line at its deadline or when its client goes; a full line refuses at once', async () => {
    const limit = limiter({ initialLimit: 1, ceiling: 1, maxQueue: 2 });
    const hold = run(limit, () => new Promise((resolve) => setTimeout(resolve, 5000)), within(), 'ok');
    const client = new AbortController();
    const timedOut = run(limit, () => Promise.resolve('never'), within(100), 'ok').catch((error: unknown) => error);
    const gone = run(limit, () => Promise.resolve('never'), within(10_000, client.signal), 'ok').catch((error: unknown) => error);
    await expect(run(limit, () => Promise.resolve('never'), within(), 'ok')).rejects.toEqual(new LimitRejected('queue-full'));

    await vi.advanceTimersByTimeAsync(100);
    expect(await timedOut).toEqual(new LimitRejected('deadline'));
    client.abort();
    expect(await gone).toEqual(new LimitRejected('aborted'));
    expect([limit.inFlight, limit.waiting]).toEqual([1, 0]);
    await vi.advanceTimersByTimeAsync(5000);
    await hold;
    expect(limit.inFlight).toBe(0);
  });

  it('calls in line leave each at its own deadline, whatever order they came in', async () => {
    const limit = limiter({ initialLimit: 1, ceiling: 1 });
    const hold = run(limit, () => new Promise((resolve) => setTimeout(resolve, 1000)), within(), 'ok');
    const left: string[] = [];
    const waiting = (name: string, ms: number) =>
      run(limit, () => Promise.resolve(name), within(ms), 'ok').catch((error: unknown) =>
        left.push(`${name} ${(error as LimitRejected).reason} at ${Date.now() - 1_000_000}`),
      );
    const all = [waiting('late', 300), waiting('early', 100), waiting('middle', 200)];
    await vi.advanceTimersByTimeAsync(99);
    expect(left).toEqual([]);
    await vi.advanceTimersByTimeAsync(300);
    expect(left).toEqual(['early deadline at 100', 'middle deadline at 200', 'late deadline at 300']);
    expect(limit.waiting).toBe(0);
    // The line is empty: no timer of its own is left (only the held call's).
    expect(vi.getTimerCount()).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    await Promise.all([hold, ...all]);
  });
});
