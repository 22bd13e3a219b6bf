/**
 * What happens on a call to one service, read top to bottom. Built once per service (upstream.ts)
 * and run for every call of every request (`HttpDataSource.call`); the numbers are the steps'
 * marks in the code below:
 *
 *   1. retry     a call safe to repeat (GET, DELETE, a write with an `Idempotency-Key`), after a
 *                transient failure, while the retry budget and the operation's deadline allow
 *                (the policy decides: call-policy.ts `retry`)
 *   2. observe   each attempt told to metrics, traces and the request's call list as it starts and
 *                ends (call-observer.ts)
 *   3. breaker   the circuit breaker (circuit-breaker.ts, with the policy's window), then
 *   4. limit     the adaptive concurrency limit, a line bounded by deadlines (adaptive-limit.ts)
 *   5. attempt   one HTTP exchange: its time limit and size cap, the answer's JSON and shape
 *                (attempt.ts), its failure an `UpstreamError`
 *   6. cache     undici's HTTP cache in front of the pool; a request carrying the user's
 *                credentials goes straight to the pool
 *
 * When every attempt has failed, a GET may still be answered from the cache (`stale-if-error`),
 * and the failure is logged once, with how each attempt failed.
 *
 * A call is one object (`Call`) and one promise: each step is a synchronous question or a call
 * told when its attempt ended, not an `await` with a promise and a suspended frame of its own
 * (there were six a call: the retry loop's, the observation's, cockatiel's two, the limit's, the
 * exchange's; measured: bench/README.md). Only a wait in the limit's line, a retry's backoff
 * and a stale answer's look-up are asynchronous.
 */
import type { YogaLogger } from 'graphql-yoga';
import { z } from 'zod';
import type { ServiceName } from '../errors/service-name.js';
import { UpstreamError, type UpstreamFailure } from '../errors/upstream-error.js';
import { attempt, type AttemptEnd, type AttemptTarget, type Fail, type UpstreamRequest, type UpstreamResponse } from './attempt.js';
import { NO_HEADERS, UNOBSERVED, type CallHandle, type CallObserver } from './call-observer.js';
import { LimitRejected } from './adaptive-limit.js';
import { CallPolicy, limitOutcome, verdictOf, type Retry } from './call-policy.js';
import type { Pass, Verdict } from './circuit-breaker.js';
import type { RequestScope } from './request-scope.js';
import { staleIfError, type CacheStore } from './stale-if-error.js';

/** Who calls: the request's scope, and the headers it sends (its id, the user's credentials where forwarded). */
export interface Caller {
  readonly scope: RequestScope;
  /** The request carries the user's credentials: it bypasses the shared cache altogether. */
  readonly sendsAuthorization: boolean;
  headers(request: Pick<UpstreamRequest, 'body' | 'idempotencyKey'>): Record<string, string>;
}

export interface PipelineParts {
  readonly service: ServiceName;
  readonly origin: string;
  readonly policy: CallPolicy;
  readonly targets: { readonly shared: AttemptTarget; readonly private: AttemptTarget };
  readonly cacheStore: CacheStore | undefined;
  readonly observer: CallObserver;
  readonly logger: YogaLogger;
}

export class CallPipeline {
  /** The client-facing error of one attempt; the call logs it once it is over. */
  readonly failure: Fail = (code, details) => new UpstreamError(code, this.parts.service, details);

  constructor(readonly parts: PipelineParts) {}

  /** One call, from its first attempt to its answer or its failure: one promise, whatever it goes through. */
  run(request: UpstreamRequest, caller: Caller): Promise<UpstreamResponse> {
    return new Promise((resolve, reject) => new Call(this, request, caller, resolve, reject).start());
  }

  /** The cached answer to a GET whose every attempt failed, where `stale-if-error` still allows it. */
  async stale(cacheStore: CacheStore, request: UpstreamRequest, caller: Caller): Promise<UpstreamResponse | undefined> {
    const { origin } = this.parts;
    const entry = await staleIfError(cacheStore, { origin, path: request.path, headers: caller.headers({}) });
    return entry === undefined ? undefined : { ...entry, route: request.route, cacheHit: true };
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
    return this.pipeline.failure(code, { failure, retryAfterMs }, this.request.route);
  }

  /** 5. attempt, through 6. the cache (a request with the user's credentials goes straight to the pool). */
  private send(): void {
    const { request, caller, observed } = this;
    const { targets } = this.pipeline.parts;
    this.admittedAt = performance.now();
    // The caller's headers are a new object every call; the observers' are copied in only when they add some.
    const own = caller.headers(request);
    const headers = observed.headers === NO_HEADERS ? own : { ...observed.headers, ...own };
    const target = caller.sendsAuthorization ? targets.private : targets.shared;
    try {
      attempt(target, request, headers, caller.scope, this.pipeline.failure, this);
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
    // 1. retry: another attempt, when the policy allows one.
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
    if (admittedAt !== undefined) policy.concurrency.release(limitOutcome(verdict, cacheHit), now - admittedAt);
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
      concurrencyLimit: this.concurrencyLimit,
    });
  }

  /**
   * Every attempt failed: a GET may still be answered from the cache (`stale-if-error`); else the
   * call fails with its last failure, logged once with how each attempt failed.
   */
  private finish(error: unknown): void {
    const { request, caller, pipeline } = this;
    const { scope } = caller;
    const log = () => {
      if (error instanceof UpstreamError) pipeline.logFailure(error, request.route, this.failures, scope.requestId);
    };
    const { cacheStore } = pipeline.parts;
    if (request.method !== 'GET' || caller.sendsAuthorization || cacheStore === undefined) {
      log();
      this.over();
      this.reject(error);
      return;
    }
    pipeline.stale(cacheStore, request, caller).then(
      (stale) => {
        log();
        this.over();
        if (stale === undefined) return this.reject(error);
        pipeline.parts.logger.debug(`upstream ${pipeline.parts.service}: serving a stale cached answer after a failure`, {
          requestId: scope.requestId,
        });
        this.resolve(stale);
      },
      (bug: unknown) => {
        this.over();
        this.reject(bug);
      },
    );
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
