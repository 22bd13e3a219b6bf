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
 *   3. breaker   the circuit breaker (cockatiel's, with the policy's window), then
 *   4. limit     the adaptive concurrency limit, a line bounded by deadlines (adaptive-limit.ts)
 *   5. attempt   one HTTP exchange: its time limit and size cap, the answer's JSON and shape
 *                (attempt.ts), its failure an `UpstreamError`
 *   6. cache     undici's HTTP cache in front of the pool; a request carrying the user's
 *                credentials goes straight to the pool
 *
 * When every attempt has failed, a GET may still be answered from the cache (`stale-if-error`),
 * and the failure is logged once, with how each attempt failed.
 *
 * Each step is an `await` a call passes through, a promise and a suspended frame each: the
 * retry loop and each attempt's observation are this file's two, the breaker's two are
 * cockatiel's, then the limit's and the exchange's (measured: bench/README.md).
 */
import type { YogaLogger } from 'graphql-yoga';
import { z } from 'zod';
import type { ServiceName } from '../errors/service-name.js';
import { UpstreamError, type UpstreamFailure } from '../errors/upstream-error.js';
import { attempt, type AttemptTarget, type Fail, type UpstreamRequest, type UpstreamResponse } from './attempt.js';
import { NO_HEADERS, type CallObserver } from './call-observer.js';
import { CallPolicy, CallRejected, limitOutcome, type Retry } from './call-policy.js';
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

  constructor(private readonly parts: PipelineParts) {}

  async run(request: UpstreamRequest, caller: Caller): Promise<UpstreamResponse> {
    const { policy } = this.parts;
    const { scope } = caller;
    const repeatable = request.method !== 'POST' || request.idempotencyKey !== undefined;
    const { calls } = scope;
    if (calls !== undefined) calls.inFlight += 1;
    // How each attempt failed: told once, with the call's last failure (a retried 503 was a
    // warning per attempt).
    const failed: UpstreamFailure[] = [];
    policy.callStarted();
    let backoff: Retry['backoff'] | undefined;
    try {
      // 1. retry: attempt after attempt, while the policy allows another.
      for (let n = 1; ; n += 1) {
        try {
          return await this.attempt(request, n, caller, failed);
        } catch (error) {
          const retry = policy.retry(repeatable, error, n, scope, backoff);
          if (retry === undefined) throw error;
          backoff = retry.backoff;
          await new Promise((resolve) => setTimeout(resolve, retry.delayMs));
        }
      }
    } catch (error) {
      const stale = request.method === 'GET' && !caller.sendsAuthorization ? await this.stale(request, caller) : undefined;
      if (error instanceof UpstreamError) this.logFailure(error, request.route, failed, scope.requestId);
      if (stale === undefined) throw error;
      this.parts.logger.debug(`upstream ${this.parts.service}: serving a stale cached answer after a failure`, {
        requestId: scope.requestId,
      });
      return stale;
    } finally {
      if (calls !== undefined) calls.inFlight -= 1;
    }
  }

  /** One attempt, observed, through the breaker and the limit; a failure is added to the call's `failed`. */
  private async attempt(request: UpstreamRequest, n: number, caller: Caller, failed: UpstreamFailure[]): Promise<UpstreamResponse> {
    const { service, policy, observer } = this.parts;
    const { scope } = caller;
    // 2. observe
    const observed = observer.callStarted({
      service,
      route: request.route,
      method: request.method,
      attempt: n,
      batchSize: request.batchSize,
      requestId: scope.requestId,
      trace: scope.trace?.parent,
    });
    const started = performance.now();
    const { concurrency } = policy;
    const concurrencyLimit = concurrency.limit;
    // 6. cache: a request with the user's credentials goes straight to the pool.
    const target = caller.sendsAuthorization ? this.parts.targets.private : this.parts.targets.shared;
    let status: number | undefined;
    let outcome: 'ok' | UpstreamFailure = 'ok';
    let cacheHit = false;
    try {
      if (!policy.admits()) throw new CallRejected('circuit-open');
      // The caller's headers are a new object every call; the observers' are copied in only when they add some.
      const own = caller.headers(request);
      const headers = observed.headers === NO_HEADERS ? own : { ...observed.headers, ...own };
      // 3. breaker → 4. limit → 5. attempt
      const response = await policy.breaker.execute(() =>
        concurrency.run(() => attempt(target, request, headers, scope, this.failure), scope, limitOutcome),
      );
      status = response.status;
      cacheHit = response.cacheHit;
      return response;
    } catch (thrown) {
      const refused = policy.rejection(thrown);
      const error =
        refused instanceof CallRejected
          ? this.failure(
              refused.failure === 'deadline' ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNAVAILABLE',
              {
                failure: refused.failure,
                retryAfterMs: refused.retryAfterMs,
              },
              request.route,
            )
          : refused;
      if (error instanceof UpstreamError) {
        failed.push(error.failure);
        status = error.upstreamStatus;
        outcome = error.failure;
      } else {
        outcome = 'connection';
      }
      throw error;
    } finally {
      observed.end({ status, outcome, cacheHit });
      scope.callLog?.push({
        service,
        method: request.method,
        route: request.route,
        attempt: n,
        startMs: round(started - (scope.startedAt ?? started)),
        durationMs: round(performance.now() - started),
        status: status ?? null,
        outcome,
        batchSize: request.batchSize ?? null,
        cacheHit,
        concurrencyLimit,
      });
    }
  }

  /** The cached answer to a GET whose every attempt failed, where `stale-if-error` still allows it. */
  private async stale(request: UpstreamRequest, caller: Caller): Promise<UpstreamResponse | undefined> {
    const { cacheStore, origin } = this.parts;
    if (cacheStore === undefined) return undefined;
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
