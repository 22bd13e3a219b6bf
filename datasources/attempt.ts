/**
 * One attempt at an upstream call: one HTTP exchange under one time limit that covers
 * everything up to the last byte of the body (the smaller of the service's limit and what is
 * left of the operation's budget), with a cap on the body's size, and a success's JSON checked
 * against the shape the request promised. Every way it can fail ends as an `UpstreamError`;
 * answers that say the service is unwell (5xx, 429, a body that is not the promised JSON) are
 * thrown too, so that the circuit breaker counts them. A time limit that fires late because the
 * event loop was busy is the graph's own overload (`overloaded`), which the breaker does not count.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import type { z } from 'zod';
import type { UpstreamErrorCode } from '../errors/codes.js';
import { UpstreamError, type UpstreamErrorDetails } from '../errors/upstream-error.js';
import type { CallLimits } from './request-scope.js';
import { errorDetail } from './error-body.js';
import { onAbort } from './on-abort.js';

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
  /**
   * What a success's JSON must be, checked within the attempt: an answer that is not it fails
   * as `UPSTREAM_BAD_RESPONSE`, which the circuit breaker counts.
   */
  readonly answer?: z.ZodType<unknown>;
  /** A read: the data its answer shows (`stock:p1`), which the writes that change it name (upstream-cache.ts). */
  readonly tags?: readonly string[];
  /** A write: the tags of the data it changes; the cache serves nothing filled before it. */
  readonly invalidates?: readonly string[];
  /** A read of a resource's items (a batch, or one of them): its answer kept one item at a time (upstream-cache.ts). */
  readonly items?: ItemsOfAnswer;
}

/** How an answer is made of a resource's items, so that a later read may reuse them one id at a time. */
export interface ItemsOfAnswer {
  /** Where the items are kept: the resource's collection (`/users`, `/stock`). */
  readonly collection: string;
  /** The answer's items by id, each one of the promised shape (only those are kept). */
  readonly of: (json: unknown) => ReadonlyMap<string, unknown>;
  /** The cache tag of one item, for a resource a write of the graph changes. */
  readonly tagOf?: (id: string) => string;
}

export interface UpstreamResponse {
  readonly status: number;
  /** The request's route template, for the log of what goes wrong with the answer. */
  readonly route: string;
  readonly body: Buffer;
  /** The answer's headers (the cache reads `Cache-Control`, `ETag`, `Vary`, `Age`, `Date`). */
  readonly headers?: IncomingHttpHeaders;
  /** Served by the graph's cache (upstream-cache.ts), not by this call's exchange. */
  readonly cacheHit: boolean;
  /** The body parsed as JSON, for a success with a body (see `withJson`). */
  readonly json?: unknown;
  /** The schema `json` was checked against and is the output of, when the request named one. */
  readonly checkedBy?: z.ZodType<unknown>;
}

/**
 * A success's body parsed as JSON and checked against `answer`, inside the attempt: an answer
 * that is not JSON, or not the promised shape, fails the attempt as `UPSTREAM_BAD_RESPONSE`,
 * which the circuit breaker counts (a service answering garbage is sick, whatever its status says).
 */
export function withJson(response: UpstreamResponse, errorOf: ErrorOf, answer?: z.ZodType<unknown>): UpstreamResponse {
  if (response.json !== undefined || !isJsonAnswer(response.status, response.body)) return response;
  const json = checkedJson(response.status, response.route, response.body, errorOf, answer);
  return answer === undefined ? { ...response, json } : { ...response, json, checkedBy: answer };
}

/** A success with a body: what is read as JSON. */
function isJsonAnswer(status: number, body: Buffer): boolean {
  return status >= 200 && status <= 299 && body.length > 0;
}

/** The body's JSON, checked against `answer` when there is one; else the attempt's failure. */
function checkedJson(status: number, route: string, body: Buffer, errorOf: ErrorOf, answer: z.ZodType<unknown> | undefined): unknown {
  const bad = (cause: unknown) => errorOf('UPSTREAM_BAD_RESPONSE', { failure: 'bad-response', upstreamStatus: status, cause }, route);
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw bad(error);
  }
  if (answer === undefined) return json;
  const checked = answer.safeParse(json);
  if (!checked.success) throw bad(checked.error);
  return checked.data;
}

/** Where and how an attempt is sent. */
export interface AttemptTarget {
  /** The service's pool. */
  readonly dispatcher: Dispatcher;
  readonly origin: string;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
}

/** Builds the client-facing error of a failed attempt (`CallPipeline.errorOf`; `HttpDataSource.loggedError` logs it too). */
export type ErrorOf = (code: UpstreamErrorCode, details: UpstreamErrorDetails, route: string) => UpstreamError;

class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';
}

/** Where an attempt's end is told: once, as undici's dispatcher drives the exchange (or at once, when it cannot start). */
export interface AttemptEnd {
  answered(response: UpstreamResponse): void;
  failed(error: UpstreamError): void;
}

/**
 * One attempt: its answer, or its failure as an `UpstreamError`, told to `end`. The exchange is
 * one object, the handler undici's dispatcher drives (`dispatch` with `onRequestStart`/
 * `onResponseStart`/`onResponseData`/`onResponseEnd`), not undici's `request()`: that wraps every
 * answer in a Readable stream read back through an async iterator, and cancels through an
 * AbortSignal it listens to, which was a tenth of the work of a call with nothing to show for it
 * here. The body's chunks are collected as they come and capped there; the time limit and a client
 * gone cancel through the dispatch controller. Its end is a call, not a promise: the call pipeline
 * goes on from there without a turn of the promise queue.
 */
export function attempt(
  target: AttemptTarget,
  request: UpstreamRequest,
  headers: Readonly<Record<string, string>>,
  limits: CallLimits,
  errorOf: ErrorOf,
  end: AttemptEnd,
): void {
  if (limits.signal.aborted) return end.failed(errorOf('UPSTREAM_UNAVAILABLE', { failure: 'aborted' }, request.route));
  const left = limits.deadline - Date.now();
  if (left <= 0) return end.failed(errorOf('UPSTREAM_TIMEOUT', { failure: 'deadline' }, request.route));
  const exchange = new Exchange(target, request, limits, errorOf, left, end);
  try {
    target.dispatcher.dispatch(
      {
        origin: target.origin,
        method: request.method,
        path: request.path,
        headers,
        body: request.body === undefined ? null : JSON.stringify(request.body),
      },
      exchange,
    );
  } catch (error) {
    exchange.onResponseError(undefined, error as Error);
  }
}

/** One HTTP exchange, as undici's dispatcher drives it, and what it ends as. */
class Exchange implements Dispatcher.DispatchHandler {
  /** The exchange's time limit (ms), and when it runs out (`performance.now()`). */
  private readonly limitMs: number;
  private readonly due: number;
  /** How late the time limit fired, when it did. */
  private lateMs: number | undefined;
  /** Told once: `undefined` after. */
  private end: AttemptEnd | undefined;
  private controller: Dispatcher.DispatchController | undefined;
  private cancelled: Error | undefined;
  private status: number | undefined;
  private headers: IncomingHttpHeaders = {};
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private readonly timer: NodeJS.Timeout;
  private readonly forget: () => void;

  constructor(
    private readonly target: AttemptTarget,
    private readonly request: UpstreamRequest,
    private readonly limits: CallLimits,
    private readonly errorOf: ErrorOf,
    /** What is left of the operation's budget (ms). */
    private readonly left: number,
    end: AttemptEnd,
  ) {
    this.end = end;
    this.limitMs = Math.min(target.timeoutMs, left);
    this.due = performance.now() + this.limitMs;
    this.timer = setTimeout(Exchange.timeUp, this.limitMs, this);
    // The client going away ends the call too: told through the request's one listener (on-abort.ts),
    // which costs less than a listener per call, or a combined signal per call (AbortSignal.any).
    this.forget = onAbort(limits.signal, () => this.cancel(new ClientGoneError()));
  }

  /**
   * The time limit fired: the exchange ends, and how late it fired is kept (the event loop was
   * busy with the graph's own work). Static, the exchange its argument: no closure an attempt.
   */
  private static timeUp(this: void, exchange: Exchange): void {
    exchange.lateMs = performance.now() - exchange.due;
    exchange.cancel(new TimeLimitError(exchange.limitMs));
  }

  /** Ends the exchange (it fails with `reason`, as undici tells it back through `onResponseError`). */
  private cancel(reason: Error): void {
    if (this.controller === undefined) this.cancelled ??= reason;
    else if (!this.controller.aborted) this.controller.abort(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.cancelled !== undefined) controller.abort(this.cancelled);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    // 1xx answers are informational: the final one follows.
    if (statusCode < 200) return;
    this.status = statusCode;
    this.headers = headers;
    const declared = Number(headers['content-length']);
    if (declared > this.target.maxResponseBytes) controller.abort(new ResponseTooLargeError(`content-length ${declared}`));
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.target.maxResponseBytes)
      controller.abort(new ResponseTooLargeError(`more than ${this.target.maxResponseBytes} bytes`));
    else this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    this.over();
    const { chunks, request, errorOf } = this;
    const status = this.status ?? 0;
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.size);
    if (status >= 500 || status === 429) {
      // Read only for a refusal: parsing every answer's body as an error body was a tenth of
      // the work of a call (the profile of the users-list bench).
      const refusal = {
        failure: 'status',
        upstreamStatus: status,
        retryAfterMs: retryAfter(this.headers),
        cause: errorDetail(body),
      } as const;
      this.failed(errorOf(status === 429 ? 'UPSTREAM_REJECTED' : 'UPSTREAM_UNAVAILABLE', refusal, request.route));
      return;
    }
    const { route, answer } = request;
    const { headers } = this;
    let response: UpstreamResponse;
    try {
      // The answer made once, its JSON read and checked within the attempt (see `withJson`).
      response = isJsonAnswer(status, body)
        ? { status, route, body, headers, cacheHit: false, json: checkedJson(status, route, body, errorOf, answer), checkedBy: answer }
        : { status, route, body, headers, cacheHit: false, json: undefined, checkedBy: undefined };
    } catch (error) {
      this.failed(error as UpstreamError);
      return;
    }
    const end = this.end;
    this.end = undefined;
    end?.answered(response);
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    this.over();
    const { request, errorOf, status, lateMs, limitMs } = this;
    const route = request.route;
    if (error instanceof ResponseTooLargeError) {
      this.failed(errorOf('UPSTREAM_BAD_RESPONSE', { failure: 'bad-response', upstreamStatus: status, cause: error }, route));
    } else if (this.limits.signal.aborted) {
      this.failed(errorOf('UPSTREAM_UNAVAILABLE', { failure: 'aborted', cause: error }, route));
    } else if (lateMs !== undefined) {
      const ranOutOfBudget = this.left < this.target.timeoutMs;
      // The service's own time limit fired late: whatever the service did meanwhile could not be
      // read. The time was ours, and must not count against its circuit (the graph is overloaded).
      if (!ranOutOfBudget && lateMs > loopLagToleranceMs(limitMs)) {
        this.failed(errorOf('UPSTREAM_UNAVAILABLE', { failure: 'overloaded', upstreamStatus: status, cause: error }, route));
      } else {
        const failure = ranOutOfBudget ? 'deadline' : 'timeout';
        this.failed(errorOf('UPSTREAM_TIMEOUT', { failure, upstreamStatus: status, cause: error }, route));
      }
    } else {
      this.failed(errorOf('UPSTREAM_UNAVAILABLE', { failure: 'connection', upstreamStatus: status, cause: error }, route));
    }
  }

  private failed(error: UpstreamError): void {
    const end = this.end;
    this.end = undefined;
    end?.failed(error);
  }

  /** The exchange is over: its time limit and its client's signal no longer concern it. */
  private over(): void {
    clearTimeout(this.timer);
    this.forget();
  }
}

/**
 * How late a time limit may fire and still be the service's time-out: a quarter of the limit,
 * at least 50 ms. Later than that, the process's event loop held the answer up, not the service.
 */
function loopLagToleranceMs(limitMs: number): number {
  return Math.max(50, limitMs / 4);
}

class TimeLimitError extends Error {
  override readonly name = 'TimeLimitError';
  constructor(ms: number) {
    super(`no whole answer within ${Math.round(ms)} ms`);
  }
}

class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
  constructor() {
    super('the request was cancelled');
  }
}

/** `Retry-After` in ms: delay-seconds (what the contract promises) or an HTTP date. */
function retryAfter(headers: Record<string, string | string[] | undefined>): number | undefined {
  const value = headers['retry-after'];
  if (typeof value !== 'string') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
