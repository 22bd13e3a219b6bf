/**
 * What happens on a call to one service, read top to bottom. Built once per service (upstream.ts)
 * and run for every call of every request (`HttpDataSource.call`); the numbers are the steps'
 * marks in the code below:
 *
 *   1. cache     a GET answered by the service's cache while an entry allows, or joined to the same
 *                read in flight; a write bumps the versions of what it changes, so that nothing
 *                cached before it is served after (upstream-cache.ts). The rest runs on a miss.
 *   2. observe   each attempt told to metrics, traces and the request's call list as it starts and
 *                ends (call-observer.ts)
 *   3. breaker   the circuit breaker (circuit-breaker.ts, with the policy's window), then
 *   4. limit     the adaptive concurrency limit, a line bounded by deadlines (adaptive-limit.ts)
 *   5. attempt   one HTTP exchange: its time limit and size cap, the answer's JSON and shape
 *                (attempt.ts), its failure an `UpstreamError`
 *   6. retry     once an attempt has failed, another from step 2 for a call safe to repeat (GET,
 *                DELETE, a write with an `Idempotency-Key`) after a transient failure, while the
 *                retry budget and the operation's deadline allow (call-policy.ts `retry`)

 * When every attempt has failed, a GET may still be answered by a stale entry of the cache
 * (`stale-if-error`, the cache of step 1 again), and the failure is logged once, with how each attempt failed.
 *
 * A call is one object (`Call`) and one promise: each step is a synchronous question or a call
 * told when its attempt ended, not an `await` with a promise and a suspended frame of its own.
 * Only a wait in the limit's line, a retry's backoff and the cache's waits are asynchronous.
 */
import type { YogaLogger } from 'graphql-yoga';
import { z } from 'zod';
import type { ServiceName } from '../errors/service-name.js';
import { UpstreamError, type UpstreamFailure } from '../errors/upstream-error.js';
import { attempt, type AttemptEnd, type AttemptTarget, type ErrorOf, type UpstreamRequest, type UpstreamResponse } from './attempt.js';
import { NO_HEADERS, UNOBSERVED, type CallHandle, type CallObserver } from './call-observer.js';
import { LimitRejected } from './adaptive-limit.js';
import { CallPolicy, verdictOf, type Retry } from './call-policy.js';
import type { Pass } from './circuit-breaker.js';
import type { Verdict } from './verdict.js';
import type { RequestScope } from './request-scope.js';
import type { UpstreamCache } from './upstream-cache.js';

/** Who calls: the request's scope, and the headers it sends (its id, the user's credentials where forwarded). */
export interface Caller {
  readonly scope: RequestScope;
  headers(request: Pick<UpstreamRequest, 'body' | 'idempotencyKey'>): Record<string, string>;
}

export interface PipelineParts {
  readonly service: ServiceName;
  readonly policy: CallPolicy;
  readonly target: AttemptTarget;
  /** The service's read cache; `undefined` with `UPSTREAM_CACHE=off`. */
  readonly cache: UpstreamCache | undefined;
  readonly observer: CallObserver;
  readonly logger: YogaLogger;
}

const NO_EXTRA_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

export class CallPipeline {
  /** The client-facing error of one attempt; the call logs it once it is over. */
  readonly errorOf: ErrorOf = (code, details) => new UpstreamError(code, this.parts.service, details);

  constructor(readonly parts: PipelineParts) {}

  /** One call, from the cache to its answer or its failure: one promise, whatever it goes through. */
  run(request: UpstreamRequest, caller: Caller): Promise<UpstreamResponse> {
    // 1. cache
    const { cache } = this.parts;
    if (cache === undefined) return this.call(request, caller, NO_EXTRA_HEADERS);
    if (request.method === 'GET') return cache.read(request, caller, (read, by, extra) => this.call(read, by, extra));
    const changed = request.invalidates;
    if (changed === undefined) return this.call(request, caller, NO_EXTRA_HEADERS);
    // Before it is sent (what a read fills from now may already be the new data) and once it is
    // over, whatever its outcome (a write that timed out may have happened).
    return cache
      .invalidate(changed)
      .then(() => this.call(request, caller, NO_EXTRA_HEADERS))
      .finally(() => cache.invalidate(changed));
  }

  /** Steps 2 to 6 for one call. */
  private call(request: UpstreamRequest, caller: Caller, extraHeaders: Readonly<Record<string, string>>): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => new Call(this, request, caller, extraHeaders, resolve, reject).start());
  }

  /**
   * Logs a failed call once, with what the client must not see (the upstream's own words), and
   * how its earlier attempts failed. A fast failure (open circuit, full line, client gone) says
   * nothing new: the state change was logged once; logging each would flood the log exactly
   * when it matters.
   */
  logFailure(error: UpstreamError, route: string, attempts: readonly UpstreamFailure[], requestId: string): void {
    const { logger, service } = this.parts;
    const { failure, upstreamStatus } = error;
    const quiet = failure === 'circuit-open' || failure === 'overloaded' || failure === 'aborted';
    const log = quiet ? logger.debug : logger.warn;
    log.call(logger, `upstream ${service} failed: ${error.extensions.code} (${failure})`, {
      requestId,
      service,
      route,
      upstreamStatus,
      ...(attempts.length > 1 ? { attempts: attempts.length, attemptFailures: attempts } : {}),
      cause: describe((error as { cause?: unknown }).cause),
    });
  }
}

/**
 * One call as it goes through the pipeline's steps, each attempt's end told to it by the exchange
 * (`answered`, `failed`): no async function and no promise between the call's start and its end but
 * the one `run` hands out (and the line's, when the limit makes the attempt wait). Each step reads
 * as the numbered list at the top of this file.
 */
class Call implements AttemptEnd {
  private readonly repeatable: boolean;
  /** How each attempt failed: told once, with the call's last failure (a retried 503 was a warning per attempt). */
  private readonly failures: UpstreamFailure[] = [];
  /** The attempt under way: its number, its observation, when it started, the limit it started under. */
  private n = 0;
  private observed: CallHandle = UNOBSERVED;
  private started = 0;
  private concurrencyLimit = 0;
  /** How it went through the circuit, and when the limit let it go (`undefined`: it holds no slot). */
  private pass: Pass | undefined;
  private admittedAt: number | undefined;
  private backoff: Retry['backoff'] | undefined;

  constructor(
    private readonly pipeline: CallPipeline,
    private readonly request: UpstreamRequest,
    private readonly caller: Caller,
    /** Headers of the cache's (`If-None-Match`), beside the caller's. */
    private readonly extraHeaders: Readonly<Record<string, string>>,
    private readonly resolve: (response: UpstreamResponse) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.repeatable = request.method !== 'POST' || request.idempotencyKey !== undefined;
  }

  start(): void {
    const { calls } = this.caller.scope;
    if (calls !== undefined) calls.inFlight += 1;
    this.pipeline.parts.policy.callStarted();
    this.next();
  }

  /** The next attempt: observed, through the circuit and the limit, then sent. */
  private next(): void {
    const { request, caller } = this;
    const { service, policy, observer } = this.pipeline.parts;
    const { scope } = caller;
    this.n += 1;
    // 2. observe
    this.observed = observer.callStarted({
      service,
      route: request.route,
      method: request.method,
      attempt: this.n,
      batchSize: request.batchSize,
      requestId: scope.requestId,
      trace: scope.trace?.parent,
    });
    this.started = performance.now();
    this.concurrencyLimit = policy.concurrency.limit;
    this.admittedAt = undefined;
    // 3. breaker
    this.pass = policy.breaker.enter();
    if (this.pass === undefined) return this.ended(this.refusal('circuit-open', policy.breaker.retryAfterMs()));
    // 4. limit: a free slot now, else a place in line.
    if (policy.concurrency.tryTake()) return this.send();
    policy.concurrency.wait(scope).then(
      () => this.send(),
      (refused: unknown) =>
        this.ended(
          refused instanceof LimitRejected ? this.refusal(refused.reason === 'queue-full' ? 'overloaded' : refused.reason) : refused,
        ),
    );
  }

  /** The client-facing error of an attempt the circuit or the line did not let through. */
  private refusal(failure: 'circuit-open' | 'overloaded' | 'deadline' | 'aborted', retryAfterMs?: number): UpstreamError {
    const code = failure === 'deadline' ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNAVAILABLE';
    return this.pipeline.errorOf(code, { failure, retryAfterMs }, this.request.route);
  }

  /** 5. attempt */
  private send(): void {
    const { request, caller, observed, extraHeaders } = this;
    const { target } = this.pipeline.parts;
    this.admittedAt = performance.now();
    // The caller's headers are a new object every call; the observers' and the cache's are copied in only when they add some.
    const own = caller.headers(request);
    let headers = observed.headers === NO_HEADERS ? own : { ...observed.headers, ...own };
    if (extraHeaders !== NO_EXTRA_HEADERS) headers = { ...headers, ...extraHeaders };
    try {
      attempt(target, request, headers, caller.scope, this.pipeline.errorOf, this);
    } catch (error) {
      // Not an exchange's failure (those are told to `failed`): a bug of ours, ended as one.
      this.ended(error);
    }
  }

  answered(response: UpstreamResponse): void {
    try {
      this.attemptOver('ok', response.status, 'ok', response.cacheHit);
    } catch (error) {
      this.finish(error);
      return;
    }
    this.over();
    this.resolve(response);
  }

  failed(error: UpstreamError): void {
    this.ended(error);
  }

  /** The attempt failed with `error` (an exchange's failure, or a refusal of the circuit or the line): a retry, or the call's end. */
  private ended(error: unknown): void {
    const { caller, pipeline } = this;
    const { policy } = pipeline.parts;
    try {
      if (error instanceof UpstreamError) {
        this.failures.push(error.failure);
        this.attemptOver(verdictOf(error), error.upstreamStatus, error.failure, false);
      } else {
        this.attemptOver('neither', undefined, 'connection', false);
      }
    } catch (bug) {
      this.finish(bug);
      return;
    }
    // 6. retry: another attempt, when the policy allows one.
    const retry = policy.retry(this.repeatable, error, this.n, caller.scope, this.backoff);
    if (retry === undefined) {
      this.finish(error);
      return;
    }
    this.backoff = retry.backoff;
    setTimeout(Call.again, retry.delayMs, this);
  }

  /** After a retry's backoff. Static, the call its argument: no closure a retry. */
  private static again(this: void, call: Call): void {
    call.next();
  }

  /**
   * The attempt is over: the limit learns from it and frees its slot, the circuit counts it, and
   * its observers and the request's call list are told.
   */
  private attemptOver(verdict: Verdict, status: number | undefined, outcome: 'ok' | UpstreamFailure, cacheHit: boolean): void {
    const { request, caller, pipeline, pass, admittedAt, started } = this;
    const { service, policy } = pipeline.parts;
    const { scope } = caller;
    const now = performance.now();
    if (admittedAt !== undefined) policy.concurrency.release(verdict, cacheHit ? undefined : now - admittedAt);
    if (pass !== undefined) policy.breaker.leave(pass, verdict);
    this.observed.end({ status, outcome, cacheHit });
    scope.callLog?.push({
      service,
      method: request.method,
      route: request.route,
      attempt: this.n,
      startMs: round(started - (scope.startedAt ?? started)),
      durationMs: round(now - started),
      status: status ?? null,
      outcome,
      batchSize: request.batchSize ?? null,
      cacheHit,
      cache: null,
      concurrencyLimit: this.concurrencyLimit,
    });
  }

  /**
   * Every attempt failed: the call fails with its last failure, logged once with how each attempt
   * failed (the cache may still answer a GET with a stale entry).
   */
  private finish(error: unknown): void {
    const { request, caller, pipeline } = this;
    if (error instanceof UpstreamError) pipeline.logFailure(error, request.route, this.failures, caller.scope.requestId);
    this.over();
    this.reject(error);
  }

  /** The call is over: no longer in flight. */
  private over(): void {
    const { calls } = this.caller.scope;
    if (calls !== undefined) calls.inFlight -= 1;
  }
}

function describe(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  if (cause instanceof z.ZodError) return cause.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${cause.message}` : cause.message;
  }
  return typeof cause === 'string' ? cause : JSON.stringify(cause);
}

/** Milliseconds to a tenth. */
function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
