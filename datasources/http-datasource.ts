/**
 * The one way the graph talks to a REST service.
 *
 * An `Upstream` (upstream.ts) lives as long as the process: pool, cache, circuit breaker,
 * bulkhead and retry budget. A data source lives as long as one GraphQL request: it
 * carries the request's id, forwarded headers, deadline and abort signal, and its
 * DataLoaders. A call may take several attempts; each attempt is one HTTP exchange under
 * one time limit that covers everything up to the last byte of the body.
 *
 * Policies, outermost first: retry (cockatiel, the only retry layer) → circuit breaker →
 * bulkhead → attempt (time limit, size cap) → undici's HTTP cache → the pool.
 *
 * Subclasses hold a service name, the DTO schemas and domain methods; everything about
 * HTTP, resilience, validation and error mapping happens here, once.
 */
import DataLoader from 'dataloader';
import { BrokenCircuitError, BulkheadRejectedError, CircuitState, DelegateBackoff, handleWhen, retry, type IBackoff } from 'cockatiel';
import type { Dispatcher } from 'undici';
import { z } from 'zod';
import type { UpstreamErrorCode } from '../errors/codes.js';
import type { ServiceName } from '../errors/service-name.js';
import { UpstreamError, isTransient, type UpstreamErrorDetails } from '../errors/upstream-error.js';
import type { UpstreamCallEnd } from './call-observer.js';
import type { RequestScope } from './request-scope.js';
import type { Upstream } from './upstream.js';
import { splitByUrlLength } from './url.js';

/** Batch endpoints take at most this many ids per call (upstream contract). */
export const MAX_BATCH_SIZE = 100;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface UpstreamRequest {
  readonly method: HttpMethod;
  readonly path: string;
  /** The path's template, for metrics and traces: `/users/{id}`, never the ids themselves. */
  readonly route: string;
  /** Ids carried, for a batch call. */
  readonly batchSize?: number;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** Makes a write safe to repeat, and so to retry. */
  readonly idempotencyKey?: string;
}

export interface UpstreamResponse {
  readonly status: number;
  /** The request's route template, for the log of what goes wrong with the answer. */
  readonly route: string;
  readonly body: Buffer;
  /** Served by the graph's HTTP cache (undici adds `age` to what it serves). */
  readonly cacheHit: boolean;
}

const errorBodySchema = z.object({ error: z.object({ code: z.string(), message: z.string().optional(), productId: z.string().optional() }) });

/** The contract's error body (`{"error": {"code", "message"}}`), or `undefined` when the body is anything else. */
export function errorBody(body: Buffer): z.infer<typeof errorBodySchema>['error'] | undefined {
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(body.toString('utf8')));
    return parsed.success ? parsed.data.error : undefined;
  } catch {
    return undefined;
  }
}

class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';
}

export abstract class HttpDataSource {
  /** Whether the caller's `authorization` header is forwarded to this service. */
  protected abstract readonly forwardsAuthorization: boolean;

  constructor(
    protected readonly upstream: Upstream,
    protected readonly scope: RequestScope,
  ) {}

  protected get service(): ServiceName {
    return this.upstream.service;
  }

  /**
   * GETs a JSON document and validates it against `schema`.
   * With `notFound: 'null'`, a 404 is an answer (`null`), not a failure.
   */
  protected async getJson<T>(path: string, schema: z.ZodType<T>, options: { route: string; notFound: 'null' }): Promise<T | null>;
  protected async getJson<T>(path: string, schema: z.ZodType<T>, options: { route: string }): Promise<T>;
  protected async getJson<T>(path: string, schema: z.ZodType<T>, options: { route: string; notFound?: 'null' }): Promise<T | null> {
    const response = await this.call({ method: 'GET', path, route: options.route });
    if (response.status === 404 && options.notFound === 'null') return null;
    if (response.status < 200 || response.status > 299) throw this.statusError(response);
    return this.parse(response, schema);
  }

  /**
   * GETs a batch endpoint `{path}?{param}=a,b,c` answering `{[envelope]: [item, ...]}` and
   * returns the items by id. Ids are sent in as few calls as the URL length limit allows,
   * all at once. An item that fails validation fails only its own id, a failed call only
   * the ids it carried; ids the service left out are absent.
   */
  protected async getBatch<K extends string, T extends Record<K, string>>(
    batch: { path: string; param: string; ids: readonly string[]; envelope: string; idField: K },
    itemSchema: z.ZodType<T>,
  ): Promise<Map<string, T | Error>> {
    const calls = splitByUrlLength(batch.path, batch.param, batch.ids, this.upstream.settings.maxUrlLength);
    const found = new Map<string, T | Error>();
    await Promise.all(
      calls.map(async ({ url, ids }) => {
        try {
          for (const [id, item] of await this.getBatchPart({ url, route: batch.path, size: ids.length }, batch.envelope, itemSchema, batch.idField)) found.set(id, item);
        } catch (error) {
          for (const id of ids) found.set(id, asError(error));
        }
      }),
    );
    return found;
  }

  private async getBatchPart<K extends string, T extends Record<K, string>>(
    part: { url: string; route: string; size: number },
    envelope: string,
    itemSchema: z.ZodType<T>,
    idField: K,
  ): Promise<Map<string, T | Error>> {
    const response = await this.call({ method: 'GET', path: part.url, route: part.route, batchSize: part.size });
    if (response.status < 200 || response.status > 299) throw this.statusError(response);
    const body = this.parse(response, z.object({ [envelope]: z.array(z.unknown()) }));
    const items = body[envelope] as unknown[];
    const found = new Map<string, T | Error>();
    for (const raw of items) {
      const item = itemSchema.safeParse(raw);
      if (item.success) {
        found.set(item.data[idField], item.data);
        continue;
      }
      const id = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[idField] : undefined;
      if (typeof id === 'string') found.set(id, this.fail('UPSTREAM_BAD_RESPONSE', { failure: 'bad-response', upstreamStatus: response.status, cause: item.error }, response.route));
    }
    return found;
  }

  /**
   * A loader for a service with a batch endpoint: keys collected in one tick are fetched
   * in calls of at most 100 ids. Keys the service does not know load as `null`; a failed
   * call fails every key it carried, as a value, so the other batches stand.
   */
  protected batchLoader<T>(name: string, fetchBatch: (ids: readonly string[]) => Promise<Map<string, T | Error>>): DataLoader<string, T | null> {
    return new DataLoader<string, T | null>(
      async (ids) => {
        const done = this.upstream.observer.batchDispatched(`${this.service}.${name}`, ids.length, this.scope.trace?.parent);
        try {
          const found = await fetchBatch(ids);
          return ids.map((id) => found.get(id) ?? null);
        } catch (error) {
          const failure = asError(error);
          return ids.map(() => failure);
        } finally {
          done();
        }
      },
      { maxBatchSize: MAX_BATCH_SIZE },
    );
  }

  /**
   * A loader for a resource served both as `GET {collection}/{id}` and as
   * `GET {collection}?ids=a,b` answering `{[envelope]: [...]}`: a lone key takes the
   * single form (a 404 is `null`), more keys the batch form.
   */
  protected entityLoader<T extends { id: string }>(collection: string, envelope: string, schema: z.ZodType<T>): DataLoader<string, T | null> {
    return this.batchLoader(envelope, async (ids) => {
      if (ids.length > 1) return this.getBatch({ path: collection, param: 'ids', ids, envelope, idField: 'id' }, schema);
      const id = ids[0]!;
      const item = await this.getJson(`${collection}/${encodeURIComponent(id)}`, schema, { route: `${collection}/{id}`, notFound: 'null' });
      return new Map(item === null ? [] : [[id, item]]);
    });
  }

  /**
   * A loader for a service without a batch endpoint: one call per distinct key, all started
   * at once (the upstream's pool bounds how many are in flight). The batch answers when its
   * last call does, so that what the answers lead to (e.g. the stock of every order's items)
   * is again collected into one batch.
   */
  protected singleLoader<K, T>(name: string, fetchOne: (key: K) => Promise<T>, cacheKeyFn?: (key: K) => string): DataLoader<K, T, string | K> {
    return new DataLoader<K, T, string | K>(
      (keys) => {
        const done = this.upstream.observer.batchDispatched(`${this.service}.${name}`, keys.length, this.scope.trace?.parent);
        return Promise.all(keys.map((key) => fetchOne(key).catch(asError))).finally(done);
      },
      cacheKeyFn === undefined ? {} : { cacheKeyFn },
    );
  }

  /**
   * One call: as many attempts as the retry policy allows. Only calls that are safe to
   * repeat are retried (GET, PUT, DELETE, and writes with an `Idempotency-Key`), only after
   * a transient failure (connection error, 429, 502, 503, 504), only while the retry budget
   * allows and only when the wait (the service's `Retry-After`, else a jittered exponential
   * backoff) ends before the operation's deadline.
   */
  protected async call(request: UpstreamRequest): Promise<UpstreamResponse> {
    const { retryBudget, backoff, settings } = this.upstream;
    const repeatable = request.method !== 'POST' || request.idempotencyKey !== undefined;
    retryBudget.deposit();
    let attempt = 0;
    let jitter: IBackoff<unknown> | undefined;
    let nextDelay = 0;
    const shouldRetry = (error: unknown): boolean => {
      if (!repeatable || !(error instanceof UpstreamError) || !isTransient(error) || attempt > settings.retry.maxRetries) return false;
      jitter = jitter === undefined ? backoff.next() : jitter.next(undefined);
      const delay = error.retryAfterMs ?? jitter.duration;
      if (Date.now() + delay >= this.scope.deadline || this.scope.signal.aborted) return false;
      if (!retryBudget.withdraw()) return false;
      nextDelay = delay;
      return true;
    };
    const policy = retry(handleWhen(shouldRetry), {
      maxAttempts: settings.retry.maxRetries,
      backoff: new DelegateBackoff(() => nextDelay),
    });
    try {
      return await policy.execute(() => {
        attempt += 1;
        return this.observed(request, attempt);
      });
    } catch (error) {
      const stale = request.method === 'GET' ? await this.staleIfError(request.path, request.route) : undefined;
      if (stale === undefined) throw error;
      this.upstream.logger.debug(`upstream ${this.service}: serving a stale cached answer after a failure`, {
        requestId: this.scope.requestId,
      });
      return stale;
    }
  }

  /** One attempt, told to the observer (metrics, traces) as it starts and ends. */
  private async observed(request: UpstreamRequest, attempt: number): Promise<UpstreamResponse> {
    const call = this.upstream.observer.callStarted({
      service: this.service,
      route: request.route,
      method: request.method,
      attempt,
      batchSize: request.batchSize,
      requestId: this.scope.requestId,
      trace: this.scope.trace?.parent,
    });
    const started = performance.now();
    const end = (result: UpstreamCallEnd): void => {
      call.end(result);
      this.scope.callLog?.push({
        service: this.service,
        method: request.method,
        route: request.route,
        attempt,
        startMs: round(started - (this.scope.startedAt ?? started)),
        durationMs: round(performance.now() - started),
        status: result.status ?? null,
        outcome: result.outcome,
        batchSize: request.batchSize ?? null,
        cacheHit: result.cacheHit,
      });
    };
    try {
      const response = await this.attempt(request, call.headers);
      end({ status: response.status, outcome: 'ok', cacheHit: response.cacheHit });
      return response;
    } catch (error) {
      end(error instanceof UpstreamError ? { status: error.upstreamStatus, outcome: error.failure, cacheHit: false } : { status: undefined, outcome: 'connection', cacheHit: false });
      throw error;
    }
  }

  /** One attempt, through the service's circuit breaker and bulkhead. */
  private async attempt(request: UpstreamRequest, extraHeaders: Readonly<Record<string, string>>): Promise<UpstreamResponse> {
    const { breaker, bulkhead } = this.upstream;
    // While the one trial call of a half-open circuit is out, the others fail at once:
    // cockatiel would make them wait for the trial, up to a whole time limit each.
    if (breaker.state === CircuitState.HalfOpen) throw this.fail('UPSTREAM_UNAVAILABLE', { failure: 'circuit-open' }, request.route);
    try {
      // No signal for the bulkhead: a call still in line when its request is over ends at
      // once in `exchange`'s own checks and frees its slot for the next (cockatiel 3 leaves
      // the slot of a call cancelled in line idle).
      return await breaker.execute(() => bulkhead.execute(() => this.exchange(request, extraHeaders)));
    } catch (error) {
      if (error instanceof BrokenCircuitError) {
        throw this.fail('UPSTREAM_UNAVAILABLE', { failure: 'circuit-open', retryAfterMs: this.upstream.circuitRetryAfterMs() }, request.route);
      }
      if (error instanceof BulkheadRejectedError) throw this.fail('UPSTREAM_UNAVAILABLE', { failure: 'overloaded' }, request.route);
      throw error;
    }
  }

  /**
   * One HTTP exchange under the smaller of the service's time limit and what is left of
   * the operation's budget, body included, and the size cap. Answers with a status that
   * says the service is unwell (5xx, 429) are thrown, so that the breaker counts them.
   */
  private async exchange(request: UpstreamRequest, extraHeaders: Readonly<Record<string, string>>): Promise<UpstreamResponse> {
    const { settings } = this.upstream;
    if (this.scope.signal.aborted) throw this.fail('UPSTREAM_UNAVAILABLE', { failure: 'aborted' }, request.route);
    const left = this.scope.deadline - Date.now();
    if (left <= 0) throw this.fail('UPSTREAM_TIMEOUT', { failure: 'deadline' }, request.route);
    const limit = new AbortController();
    const timer = setTimeout(() => limit.abort(), Math.min(settings.timeoutMs, left));
    // The client going away ends the call too. One listener, removed when the call ends, costs
    // less than a combined signal per call (AbortSignal.any), which the profile showed.
    const clientGone = () => limit.abort();
    this.scope.signal.addEventListener('abort', clientGone, { once: true });
    let status: number | undefined;
    try {
      const response = await this.dispatcher().request({
        origin: this.upstream.origin,
        method: request.method,
        path: request.path,
        headers: { ...extraHeaders, ...this.headers(request) },
        body: request.body === undefined ? null : JSON.stringify(request.body),
        signal: limit.signal,
      });
      status = response.statusCode;
      const body = await readCapped(response.body, Number(response.headers['content-length']), settings.maxResponseBytes);
      if (status >= 500 || status === 429) {
        // Read only for a refusal: parsing every answer's body as an error body was a tenth of
        // the work of a call (the profile of the users-list bench).
        const refusal = { failure: 'status', upstreamStatus: status, retryAfterMs: retryAfter(response.headers), cause: errorDetail(body) } as const;
        throw this.fail(status === 429 ? 'UPSTREAM_REJECTED' : 'UPSTREAM_UNAVAILABLE', refusal, request.route);
      }
      return { status, route: request.route, body, cacheHit: this.cacheable && response.headers.age !== undefined };
    } catch (error) {
      if (error instanceof UpstreamError) throw error;
      if (error instanceof ResponseTooLargeError) throw this.fail('UPSTREAM_BAD_RESPONSE', { failure: 'bad-response', upstreamStatus: status, cause: error }, request.route);
      if (this.scope.signal.aborted) throw this.fail('UPSTREAM_UNAVAILABLE', { failure: 'aborted', cause: error }, request.route);
      if (limit.signal.aborted) {
        const failure = left < settings.timeoutMs ? 'deadline' : 'timeout';
        throw this.fail('UPSTREAM_TIMEOUT', { failure, upstreamStatus: status, cause: error }, request.route);
      }
      throw this.fail('UPSTREAM_UNAVAILABLE', { failure: 'connection', upstreamStatus: status, cause: error }, request.route);
    } finally {
      clearTimeout(timer);
      this.scope.signal.removeEventListener('abort', clientGone);
    }
  }

  /** Whether answers to this request may be kept for other requests. */
  private get cacheable(): boolean {
    return this.upstream.cacheStore !== undefined && !this.sendsAuthorization;
  }

  private get sendsAuthorization(): boolean {
    return this.forwardsAuthorization && this.scope.authorization !== undefined;
  }

  // A request carrying a user's credentials bypasses the shared cache altogether: even an
  // answer marked `public` is never served to another user.
  private dispatcher(): Dispatcher {
    return this.cacheable ? this.upstream.cachingDispatcher : this.upstream.pool;
  }

  /**
   * RFC 5861 `stale-if-error` for every kind of failure. undici's cache serves a stale
   * answer itself when revalidation gets a 5xx; this covers what it cannot see: refused
   * connections, time-outs, and calls the circuit breaker or the bulkhead never let through.
   */
  private async staleIfError(path: string, route: string): Promise<UpstreamResponse | undefined> {
    if (!this.cacheable) return undefined;
    const entry = await this.upstream.cacheStore?.get({ origin: this.upstream.origin, method: 'GET', path, headers: this.headers({}) });
    if (entry === undefined || entry === null || entry.statusCode !== 200) return undefined;
    const directives = entry.cacheControlDirectives ?? {};
    const allowedSeconds = directives['stale-if-error'];
    if (allowedSeconds === undefined || directives['must-revalidate'] === true || directives['proxy-revalidate'] === true) return undefined;
    if (Date.now() > entry.staleAt + allowedSeconds * 1000) return undefined;
    const chunks = entry.body === undefined || entry.body === null ? [] : Array.from(entry.body as Iterable<Buffer>);
    return { status: entry.statusCode, route, body: Buffer.concat(chunks), cacheHit: true };
  }

  private headers(request: Pick<UpstreamRequest, 'body' | 'idempotencyKey'>): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json', 'x-request-id': this.scope.requestId };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (request.idempotencyKey !== undefined) headers['idempotency-key'] = request.idempotencyKey;
    if (this.sendsAuthorization) headers.authorization = this.scope.authorization!;
    return headers;
  }

  protected parse<T>(response: UpstreamResponse, schema: z.ZodType<T>): T {
    let json: unknown;
    try {
      json = JSON.parse(response.body.toString('utf8'));
    } catch (error) {
      throw this.fail('UPSTREAM_BAD_RESPONSE', { failure: 'bad-response', upstreamStatus: response.status, cause: error }, response.route);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw this.fail('UPSTREAM_BAD_RESPONSE', { failure: 'bad-response', upstreamStatus: response.status, cause: parsed.error }, response.route);
    return parsed.data;
  }

  /** The error for an answer that is not a success (5xx and 429 never get here: see `exchange`). */
  protected statusError({ status, route, body }: UpstreamResponse): UpstreamError {
    if (status >= 400) return this.fail('UPSTREAM_REJECTED', { failure: 'status', upstreamStatus: status, cause: errorDetail(body) }, route);
    return this.fail('UPSTREAM_BAD_RESPONSE', { failure: 'bad-response', upstreamStatus: status }, route);
  }

  /** Builds the client-facing error and logs what the client must not see. */
  protected fail(code: UpstreamErrorCode, details: UpstreamErrorDetails, route: string): UpstreamError {
    const error = new UpstreamError(code, this.service, details);
    // A fast failure (open circuit, full bulkhead, client gone) says nothing new: the state
    // change was logged once; logging each would flood the log exactly when it matters.
    const quiet = details.failure === 'circuit-open' || details.failure === 'overloaded' || details.failure === 'aborted';
    const log = quiet ? this.upstream.logger.debug : this.upstream.logger.warn;
    log.call(this.upstream.logger, `upstream ${this.service} failed: ${code} (${details.failure})`, {
      requestId: this.scope.requestId,
      service: this.service,
      route,
      upstreamStatus: details.upstreamStatus,
      // The upstream's own words stay here: the client's error never carries them.
      cause: describe(details.cause),
    });
    return error;
  }
}

/** Reads a body whole, refusing more than `max` bytes by its declared length or as it streams. */
async function readCapped(body: Dispatcher.ResponseData['body'], declared: number, max: number): Promise<Buffer> {
  if (declared > max) {
    body.destroy();
    throw new ResponseTooLargeError(`content-length ${declared}`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      body.destroy();
      throw new ResponseTooLargeError(`more than ${max} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** `Retry-After` in ms: delay-seconds (what the contract promises) or an HTTP date. */
function retryAfter(headers: Record<string, string | string[] | undefined>): number | undefined {
  const value = headers['retry-after'];
  if (typeof value !== 'string') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function describe(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  if (cause instanceof z.ZodError) return cause.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${cause.message}` : cause.message;
  }
  return String(cause);
}

/** What an error answer says, for the log: the contract's code and message, cut short; never a whole body. */
function errorDetail(body: Buffer): string | undefined {
  const error = errorBody(body);
  if (error === undefined) return undefined;
  const text = error.message === undefined ? error.code : `${error.code}: ${error.message}`;
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** Milliseconds to a tenth. */
function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
