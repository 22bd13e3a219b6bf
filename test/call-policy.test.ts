/**
 * The call policy apart from HTTP, on fake timers: when retries happen and how far apart,
 * what the retry budget allows, and when the circuit opens and lets a trial through. An
 * attempt is a function that fails with the error a service's answer would have become; the
 * clock is vitest's, so every delay is asserted exactly (the jitter's random draw is fixed).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CallPolicy, CallRejected, type CallPolicySettings } from '../datasources/call-policy.js';
import { UpstreamError } from '../errors/upstream-error.js';

const SETTINGS: CallPolicySettings = {
  timeoutMs: 2000,
  maxConcurrency: 2,
  minConcurrency: 1,
  maxQueue: 1,
  retry: { maxRetries: 2, baseDelayMs: 100, maxDelayMs: 1000, budgetRatio: 0.2, budgetBurst: 10 },
  circuit: { failureRatio: 0.5, windowMs: 10_000, minCalls: 4, halfOpenAfterMs: 5000 },
};
const QUIET = { info: () => undefined, warn: () => undefined };

function policy(
  overrides: { retry?: Partial<CallPolicySettings['retry']>; circuit?: Partial<CallPolicySettings['circuit']> } = {},
): CallPolicy {
  return new CallPolicy(
    'professional',
    { ...SETTINGS, retry: { ...SETTINGS.retry, ...overrides.retry }, circuit: { ...SETTINGS.circuit, ...overrides.circuit } },
    QUIET,
  );
}

const status = (upstreamStatus: number, retryAfterMs?: number) =>
  new UpstreamError(upstreamStatus === 429 ? 'UPSTREAM_REJECTED' : 'UPSTREAM_UNAVAILABLE', 'professional', {
    failure: 'status',
    upstreamStatus,
    retryAfterMs,
  });
const timedOut = () => new UpstreamError('UPSTREAM_TIMEOUT', 'professional', { failure: 'timeout' });

let start = 0;
const within = (ms = 10_000) => ({ deadline: Date.now() + ms, signal: new AbortController().signal });

/**
 * Runs one call whose attempts fail with `failures` in turn (then succeed), and answers when
 * each attempt started (ms after the call began) and how the call ended.
 */
async function run(subject: CallPolicy, failures: Error[], options: { repeatable?: boolean; deadlineMs?: number } = {}) {
  const started: number[] = [];
  const outcome = subject
    .call(options.repeatable ?? true, within(options.deadlineMs), async (n) => {
      started.push(Date.now() - start);
      const failure = failures[n - 1];
      if (failure !== undefined) throw failure;
      return 'ok';
    })
    .then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
  await vi.runAllTimersAsync();
  return { started, ...(await outcome) };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
  start = Date.now();
  // The full jitter draws from [0, delay): half of it, always.
  vi.spyOn(Math, 'random').mockReturnValue(0.5);
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('retries', () => {
  it('wait a full-jitter exponential delay before each retry: [0, base × 2^(n-1)), capped', async () => {
    expect(await run(policy(), [status(503), status(502)])).toEqual({ started: [0, 50, 150], value: 'ok' });
    start = Date.now();
    // base 800: 800, then 1600 capped at the maximum of 1000 (each halved by the fixed draw).
    expect(await run(policy({ retry: { baseDelayMs: 800 } }), [status(503), status(503)])).toEqual({ started: [0, 400, 900], value: 'ok' });
  });

  it('stop after MAX_RETRIES: the last failure is the call’s', async () => {
    const last = status(504);
    expect(await run(policy(), [status(503), status(503), last])).toEqual({ started: [0, 50, 150], error: last });
    start = Date.now();
    expect(await run(policy({ retry: { maxRetries: 0 } }), [status(503)])).toMatchObject({ started: [0] });
  });

  it('wait exactly the service’s Retry-After instead of the backoff', async () => {
    expect(await run(policy(), [status(429, 3000)])).toEqual({ started: [0, 3000], value: 'ok' });
  });

  it('are not taken when the wait would end past the deadline: the failure is answered at once', async () => {
    const refusal = status(503, 3000);
    expect(await run(policy(), [refusal], { deadlineMs: 2000 })).toEqual({ started: [0], error: refusal });
    expect(Date.now() - start).toBe(0);
  });

  it('happen only for a call safe to repeat, and only after a transient failure', async () => {
    const unavailable = status(503);
    expect(await run(policy(), [unavailable], { repeatable: false })).toEqual({ started: [0], error: unavailable });
    for (const failure of [status(500), status(404), timedOut(), new Error('a bug')]) {
      expect(await run(policy(), [failure])).toEqual({ started: [0], error: failure });
    }
  });
});

describe('the retry budget', () => {
  it('holds BURST retries at start, then earns RATIO of a retry per call', async () => {
    const budgeted = policy({ retry: { budgetBurst: 2, budgetRatio: 0.5 } });
    const attempts: number[] = [];
    for (let call = 0; call < 4; call++) attempts.push((await run(budgeted, [status(503), status(503), status(503)])).started.length);
    // 2 retries from the burst; then 0.5, 1, 0.5 earned: a retry whenever a whole one is there.
    expect(attempts).toEqual([3, 1, 2, 1]);
  });
});

describe('the circuit breaker', () => {
  it('opens past the ratio of at least MIN_CALLS, fails at once while open, lets one trial through after HALF_OPEN_AFTER', async () => {
    const breaker = policy();
    let reached = 0;
    const guardedCall = (result: () => Promise<string>) =>
      breaker.guarded(() => {
        reached += 1;
        return result();
      }, within());
    for (let i = 0; i < 4; i++) await expect(guardedCall(() => Promise.reject(status(503)))).rejects.toBeInstanceOf(UpstreamError);
    expect(breaker.circuitState).toBe('open');

    await vi.advanceTimersByTimeAsync(1000);
    const rejected = await guardedCall(() => Promise.resolve('ok')).catch((error: unknown) => error);
    expect(rejected).toBeInstanceOf(CallRejected);
    expect(rejected).toMatchObject({ failure: 'circuit-open', retryAfterMs: 4000 });
    expect(reached).toBe(4);

    await vi.advanceTimersByTimeAsync(4001);
    await expect(guardedCall(() => Promise.resolve('ok'))).resolves.toBe('ok');
    expect([breaker.circuitState, reached]).toEqual(['closed', 5]);
  });

  it('never opens for failures spread thinly over minutes: calls older than the window are gone', async () => {
    const breaker = policy({ circuit: { minCalls: 20, windowMs: 10_000 } });
    // A request every 3 s for 10 minutes whose call fails three times (its attempts): never
    // more than 12 failures in any 10 s, fewer than MIN_CALLS.
    for (let i = 0; i < 200; i++) {
      await vi.advanceTimersByTimeAsync(3000);
      for (let attempt = 0; attempt < 3; attempt++) {
        await expect(breaker.guarded(() => Promise.reject(status(503)), within())).rejects.toBeInstanceOf(UpstreamError);
      }
      expect(breaker.circuitState).toBe('closed');
    }
  });

  it('counts a call for WINDOW_MS after it ended, and not after', async () => {
    const breaker = policy({ circuit: { minCalls: 20, windowMs: 10_000 } });
    const fail = () => expect(breaker.guarded(() => Promise.reject(status(503)), within())).rejects.toBeInstanceOf(UpstreamError);
    for (let i = 0; i < 19; i++) await fail();
    await vi.advanceTimersByTimeAsync(10_000);
    // The 19 have left the window: this is the first failure it holds.
    await fail();
    expect(breaker.circuitState).toBe('closed');
    for (let i = 0; i < 18; i++) await fail();
    expect(breaker.circuitState).toBe('closed');
    await fail();
    expect(breaker.circuitState).toBe('open');
  });

  it('opens once failures are more than the ratio of the window, however the calls came', async () => {
    const breaker = policy({ circuit: { minCalls: 20, windowMs: 10_000, failureRatio: 0.5 } });
    const every100ms = async (result: () => Promise<string>, seconds: number) => {
      for (let i = 0; i < seconds * 10; i++) {
        await breaker.guarded(result, within()).catch(() => undefined);
        await vi.advanceTimersByTimeAsync(100);
        if (breaker.circuitState === 'open') return i / 10;
      }
      return undefined;
    };
    expect(await every100ms(() => Promise.resolve('ok'), 10)).toBeUndefined();
    // Ten calls a second that fail: more than half of the last 10 s after 5 s (to a bucket, 0.5 s).
    const openedAfter = await every100ms(() => Promise.reject(status(503)), 10);
    expect(openedAfter).toBeGreaterThanOrEqual(4.9);
    expect(openedAfter).toBeLessThanOrEqual(5.5);
  });

  it('does not count what says nothing of the service’s health (404, other 4xx)', async () => {
    const breaker = policy();
    for (const failure of [status(404), status(400), status(404), status(422)])
      await expect(breaker.guarded(() => Promise.reject(failure), within())).rejects.toBe(failure);
    expect(breaker.circuitState).toBe('closed');
  });

  it('counts a service that answers garbage with a 200 (a bad body is a sick service)', async () => {
    const breaker = policy();
    const badBody = new UpstreamError('UPSTREAM_BAD_RESPONSE', 'professional', { failure: 'bad-response', upstreamStatus: 200 });
    for (let i = 0; i < 4; i++) await expect(breaker.guarded(() => Promise.reject(badBody), within())).rejects.toBe(badBody);
    expect(breaker.circuitState).toBe('open');
  });
});

describe('the concurrency limit', () => {
  it('runs MAX_CONCURRENCY attempts at once, queues MAX_QUEUE, refuses the next at once', async () => {
    const limited = policy();
    const hold = Promise.withResolvers<string>();
    const running = [0, 1, 2].map(() => limited.guarded(() => hold.promise, within()));
    await expect(limited.guarded(() => Promise.resolve('late'), within())).rejects.toMatchObject({ failure: 'overloaded' });
    hold.resolve('done');
    expect(await Promise.all(running)).toEqual(['done', 'done', 'done']);
  });
});
