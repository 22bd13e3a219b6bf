/**
 * The call policy as the call pipeline applies it (datasources/call-pipeline.ts), on fake
 * timers: when retries happen and how far apart, what the retry budget allows, when the circuit
 * opens and lets a trial through, and what the concurrency limit lets in. The service is a
 * scripted dispatcher (undici's handler interface, which an attempt drives): each exchange takes
 * the next answer of its script. The clock is vitest's, so every delay is asserted exactly (the
 * jitter's random draw is fixed).
 */
import type { Dispatcher } from 'undici';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NO_OBSERVER } from '../datasources/call-observer.js';
import { CallPipeline, type Caller } from '../datasources/call-pipeline.js';
import { CallPolicy, type CallPolicySettings } from '../datasources/call-policy.js';
import type { HttpMethod, UpstreamResponse } from '../datasources/attempt.js';
import { UpstreamError } from '../errors/upstream-error.js';

const SETTINGS: CallPolicySettings = {
  timeoutMs: 2000,
  maxConcurrency: 2,
  minConcurrency: 1,
  maxQueue: 1,
  retry: { maxRetries: 2, baseDelayMs: 100, maxDelayMs: 1000, budgetRatio: 0.2, budgetBurst: 10 },
  circuit: { failureRatio: 0.5, windowMs: 10_000, minCalls: 4, halfOpenAfterMs: 5000 },
};
const QUIET = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** What the service answers to one exchange: a status (with headers, a body), no answer at all, or an answer held until `hold` settles. */
type Answer = { status: number; headers?: Record<string, string>; body?: string; hold?: Promise<void> } | 'hang';

/**
 * A service whose exchanges take the answers of `script` in turn (200 `{}` once it is spent),
 * and the pipeline of its calls; `started` is when each exchange began, in ms after `start`.
 */
type Overrides = { retry?: Partial<CallPolicySettings['retry']>; circuit?: Partial<CallPolicySettings['circuit']> };

function service(overrides: Overrides = {}) {
  const settings = {
    ...SETTINGS,
    retry: { ...SETTINGS.retry, ...overrides.retry },
    circuit: { ...SETTINGS.circuit, ...overrides.circuit },
  };
  const policy = new CallPolicy('professional', settings, QUIET);
  const script: Answer[] = [];
  const started: number[] = [];
  const dispatcher = {
    dispatch(_options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler) {
      started.push(Date.now() - start);
      const answer = script.shift() ?? { status: 200, body: '{}' };
      const controller = {
        aborted: false,
        paused: false,
        reason: null as Error | null,
        abort(reason: Error) {
          controller.aborted = true;
          controller.reason = reason;
          handler.onResponseError?.(controller, reason);
        },
        pause: () => undefined,
        resume: () => undefined,
      };
      handler.onRequestStart?.(controller, {});
      if (answer === 'hang') return true;
      void Promise.resolve(answer.hold).then(() => {
        if (controller.aborted) return;
        handler.onResponseStart?.(controller, answer.status, answer.headers ?? {}, '');
        if (answer.body !== undefined) handler.onResponseData?.(controller, Buffer.from(answer.body));
        handler.onResponseEnd?.(controller, {});
      });
      return true;
    },
  } as unknown as Dispatcher;
  const target = {
    dispatcher,
    origin: 'http://professional.test',
    timeoutMs: settings.timeoutMs,
    maxResponseBytes: 1 << 20,
  };
  const pipeline = new CallPipeline({
    service: 'professional',
    policy,
    target,
    cache: undefined,
    observer: NO_OBSERVER,
    logger: QUIET,
  });
  /** One call (a GET unless said otherwise); answers how it ended. */
  const call = (options: { method?: HttpMethod; deadlineMs?: number } = {}): Promise<{ value: UpstreamResponse } | { error: unknown }> =>
    pipeline.run({ method: options.method ?? 'GET', path: '/users/1', route: '/users/{id}' }, caller(options.deadlineMs)).then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
  return { policy, script, started, call };
}

function caller(deadlineMs = 10_000): Caller {
  return {
    scope: { requestId: 'r-1', authorization: undefined, deadline: Date.now() + deadlineMs, signal: new AbortController().signal },
    headers: () => ({}),
  };
}

let start = 0;

const unavailable = (status: number, retryAfterSeconds?: number): Answer => ({
  status,
  ...(retryAfterSeconds === undefined ? {} : { headers: { 'retry-after': String(retryAfterSeconds) } }),
});
/** How a call that failed on a status ended, as the client is told. */
const failedOn = (upstreamStatus: number) => ({ error: expect.objectContaining({ failure: 'status', upstreamStatus }) as unknown });

/** Runs one call of `subject` to its end, every timer it sets included. */
async function settle(subject: ReturnType<typeof service>, options: { method?: HttpMethod; deadlineMs?: number } = {}) {
  const outcome = subject.call(options);
  await vi.runAllTimersAsync();
  return outcome;
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
    const first = service();
    first.script.push(unavailable(503), unavailable(502));
    expect(await settle(first)).toMatchObject({ value: { status: 200 } });
    expect(first.started).toEqual([0, 50, 150]);
    start = Date.now();
    // base 800: 800, then 1600 capped at the maximum of 1000 (each halved by the fixed draw).
    const capped = service({ retry: { baseDelayMs: 800 } });
    capped.script.push(unavailable(503), unavailable(503));
    expect(await settle(capped)).toMatchObject({ value: { status: 200 } });
    expect(capped.started).toEqual([0, 400, 900]);
  });

  it('stop after MAX_RETRIES: the last failure is the call’s', async () => {
    const subject = service();
    subject.script.push(unavailable(503), unavailable(503), unavailable(504));
    expect(await settle(subject)).toEqual(failedOn(504));
    expect(subject.started).toEqual([0, 50, 150]);
    const none = service({ retry: { maxRetries: 0 } });
    none.script.push(unavailable(503));
    expect(await settle(none)).toEqual(failedOn(503));
    expect(none.started).toHaveLength(1);
  });

  it('wait exactly the service’s Retry-After instead of the backoff', async () => {
    const subject = service();
    subject.script.push(unavailable(429, 3));
    expect(await settle(subject)).toMatchObject({ value: { status: 200 } });
    expect(subject.started).toEqual([0, 3000]);
  });

  it('are not taken when the wait would end past the deadline: the failure is answered at once', async () => {
    const subject = service();
    subject.script.push(unavailable(503, 3));
    expect(await settle(subject, { deadlineMs: 2000 })).toEqual(failedOn(503));
    expect(subject.started).toEqual([0]);
    expect(Date.now() - start).toBe(0);
  });

  it('happen only for a call safe to repeat, and only after a transient failure', async () => {
    const write = service();
    write.script.push(unavailable(503));
    expect(await settle(write, { method: 'POST' })).toEqual(failedOn(503));
    expect(write.started).toEqual([0]);
    const notTransient = { 500: unavailable(500), 'time-out': 'hang', 'bad body': { status: 200, body: 'not json' } } as const;
    for (const [name, answer] of Object.entries(notTransient)) {
      start = Date.now();
      const subject = service();
      subject.script.push(answer);
      expect(await settle(subject), name).toHaveProperty('error');
      expect(subject.started, name).toEqual([0]);
    }
    // An answer the graph reads as one (a 404) is the call's, not a failure to retry.
    const missing = service();
    missing.script.push({ status: 404 });
    expect(await settle(missing)).toMatchObject({ value: { status: 404 } });
    expect(missing.started).toEqual([0]);
  });
});

describe('the retry budget', () => {
  it('holds BURST retries at start, then earns RATIO of a retry per call', async () => {
    // A breaker that stays closed: the budget alone decides.
    const budgeted = service({ retry: { budgetBurst: 2, budgetRatio: 0.5 }, circuit: { minCalls: 100 } });
    const attempts: number[] = [];
    for (let call = 0; call < 4; call++) {
      budgeted.started.length = 0;
      budgeted.script.length = 0;
      budgeted.script.push(unavailable(503), unavailable(503), unavailable(503));
      await settle(budgeted);
      attempts.push(budgeted.started.length);
    }
    // 2 retries from the burst; then 0.5, 1, 0.5 earned: a retry whenever a whole one is there.
    expect(attempts).toEqual([3, 1, 2, 1]);
  });
});

describe('the circuit breaker', () => {
  // Writes: one attempt a call, so that each call is one outcome for the breaker.
  const write = { method: 'POST' } as const;

  it('opens past the ratio of at least MIN_CALLS, fails at once while open, lets one trial through after HALF_OPEN_AFTER', async () => {
    const subject = service();
    subject.script.push(...Array.from({ length: 4 }, () => unavailable(503)));
    for (let i = 0; i < 4; i++) expect(await settle(subject, write)).toEqual(failedOn(503));
    expect(subject.policy.circuitState).toBe('open');

    await vi.advanceTimersByTimeAsync(1000);
    const refused = await settle(subject, write);
    expect(refused).toEqual({ error: expect.any(UpstreamError) as unknown });
    expect(refused).toMatchObject({ error: { failure: 'circuit-open', retryAfterMs: 4000, extensions: { code: 'UPSTREAM_UNAVAILABLE' } } });
    expect(subject.started).toHaveLength(4);

    await vi.advanceTimersByTimeAsync(4001);
    expect(await settle(subject, write)).toMatchObject({ value: { status: 200 } });
    expect([subject.policy.circuitState, subject.started.length]).toEqual(['closed', 5]);
  });

  it('never opens for failures spread thinly over minutes: calls older than the window are gone', async () => {
    const subject = service({ circuit: { minCalls: 20, windowMs: 10_000 } });
    // A request every 3 s for 10 minutes whose call fails three times (its attempts): never
    // more than 12 failures in any 10 s, fewer than MIN_CALLS.
    for (let i = 0; i < 200; i++) {
      await vi.advanceTimersByTimeAsync(3000);
      for (let attempt = 0; attempt < 3; attempt++) {
        subject.script.push(unavailable(503));
        expect(await settle(subject, write)).toEqual(failedOn(503));
      }
      expect(subject.policy.circuitState).toBe('closed');
    }
  });

  it('counts a call for WINDOW_MS after it ended, and not after', async () => {
    const subject = service({ circuit: { minCalls: 20, windowMs: 10_000 } });
    const fail = async () => {
      subject.script.push(unavailable(503));
      expect(await settle(subject, write)).toEqual(failedOn(503));
    };
    for (let i = 0; i < 19; i++) await fail();
    await vi.advanceTimersByTimeAsync(10_000);
    // The 19 have left the window: this is the first failure it holds.
    await fail();
    expect(subject.policy.circuitState).toBe('closed');
    for (let i = 0; i < 18; i++) await fail();
    expect(subject.policy.circuitState).toBe('closed');
    await fail();
    expect(subject.policy.circuitState).toBe('open');
  });

  it('opens once failures are more than the ratio of the window, however the calls came', async () => {
    const subject = service({ circuit: { minCalls: 20, windowMs: 10_000, failureRatio: 0.5 } });
    const every100ms = async (answer: Answer, seconds: number) => {
      for (let i = 0; i < seconds * 10; i++) {
        subject.script.push(answer);
        await settle(subject, write);
        await vi.advanceTimersByTimeAsync(100);
        if (subject.policy.circuitState === 'open') return i / 10;
      }
      return undefined;
    };
    expect(await every100ms({ status: 200, body: '{}' }, 10)).toBeUndefined();
    // Ten calls a second that fail: more than half of the last 10 s after 5 s (to a bucket, 0.5 s).
    const openedAfter = await every100ms(unavailable(503), 10);
    expect(openedAfter).toBeGreaterThanOrEqual(4.9);
    expect(openedAfter).toBeLessThanOrEqual(5.5);
  });

  it('does not count what says nothing of the service’s health (404, other 4xx)', async () => {
    const subject = service();
    for (const status of [404, 400, 404, 422]) {
      subject.script.push({ status });
      expect(await settle(subject, write)).toMatchObject({ value: { status } });
    }
    expect(subject.policy.circuitState).toBe('closed');
  });

  it('counts a service that answers garbage with a 200 (a bad body is a sick service)', async () => {
    const subject = service();
    for (let i = 0; i < 4; i++) {
      subject.script.push({ status: 200, body: '<html>' });
      expect(await settle(subject, write)).toMatchObject({ error: { failure: 'bad-response', upstreamStatus: 200 } });
    }
    expect(subject.policy.circuitState).toBe('open');
  });
});

describe('the concurrency limit', () => {
  it('runs MAX_CONCURRENCY attempts at once, queues MAX_QUEUE, refuses the next at once', async () => {
    const subject = service();
    const hold = Promise.withResolvers<void>();
    subject.script.push(...Array.from({ length: 3 }, () => ({ status: 200, body: '{"done":true}', hold: hold.promise })));
    const running = [0, 1, 2].map(() => subject.call());
    expect(await subject.call()).toMatchObject({ error: { failure: 'overloaded', extensions: { code: 'UPSTREAM_UNAVAILABLE' } } });
    // Two exchanges in flight, the third waits in line for a slot.
    expect(subject.started).toHaveLength(2);
    hold.resolve();
    const answers = await Promise.all(running);
    expect(answers.map((answer) => ('value' in answer ? answer.value.json : answer.error))).toEqual([
      { done: true },
      { done: true },
      { done: true },
    ]);
  });
});
