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
}

export interface UpstreamResponse {
  readonly status: number;
  /** The request's route template, for the log of what goes wrong with the answer. */
  readonly route: string;
  readonly body: Buffer;
  /** Served by the graph's HTTP cache (undici adds `age` to what it serves). */
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
export function withJson(response: UpstreamResponse, fail: Fail, answer?: z.ZodType<unknown>): UpstreamResponse {
  if (response.json !== undefined || response.status < 200 || response.status > 299 || response.body.length === 0) return response;
  const bad = (cause: unknown) =>
    fail('UPSTREAM_BAD_RESPONSE', { failure: 'bad-response', upstreamStatus: response.status, cause }, response.route);
  let json: unknown;
  try {
    json = JSON.parse(response.body.toString('utf8'));
  } catch (error) {
    throw bad(error);
  }
  if (answer === undefined) return { ...response, json };
  const checked = answer.safeParse(json);
  if (!checked.success) throw bad(checked.error);
  return { ...response, json: checked.data, checkedBy: answer };
}

/** Where and how an attempt is sent. */
export interface AttemptTarget {
  /** The pool, or the HTTP cache in front of it. */
  readonly dispatcher: Dispatcher;
  readonly origin: string;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  /** Whether the answer may have come from the shared cache. */
  readonly cacheable: boolean;
}

/** Builds (and logs) the error of a failed attempt. */
export type Fail = (code: UpstreamErrorCode, details: UpstreamErrorDetails, route: string) => UpstreamError;

class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';
}

export async function attempt(
  target: AttemptTarget,
  request: UpstreamRequest,
  headers: Readonly<Record<string, string>>,
  limits: CallLimits,
  fail: Fail,
): Promise<UpstreamResponse> {
  if (limits.signal.aborted) throw fail('UPSTREAM_UNAVAILABLE', { failure: 'aborted' }, request.route);
  const left = limits.deadline - Date.now();
  if (left <= 0) throw fail('UPSTREAM_TIMEOUT', { failure: 'deadline' }, request.route);
  const limitMs = Math.min(target.timeoutMs, left);
  const due = performance.now() + limitMs;
  const sent = exchange(
    target.dispatcher,
    {
      origin: target.origin,
      method: request.method,
      path: request.path,
      headers,
      body: request.body === undefined ? null : JSON.stringify(request.body),
    },
    target.maxResponseBytes,
  );
  // How late the time limit fired: the event loop was busy with the graph's own work.
  let lateMs: number | undefined;
  const timer = setTimeout(() => {
    lateMs = performance.now() - due;
    sent.abort(new TimeLimitError(limitMs));
  }, limitMs);
  // The client going away ends the call too: told through the request's one listener (on-abort.ts),
  // which costs less than a listener per call, or a combined signal per call (AbortSignal.any).
  const forget = onAbort(limits.signal, () => sent.abort(new ClientGoneError()));
  let status: number | undefined;
  try {
    const response = await sent.answer;
    status = response.status;
    const { body } = response;
    if (status >= 500 || status === 429) {
      // Read only for a refusal: parsing every answer's body as an error body was a tenth of
      // the work of a call (the profile of the users-list bench).
      const refusal = {
        failure: 'status',
        upstreamStatus: status,
        retryAfterMs: retryAfter(response.headers),
        cause: errorDetail(body),
      } as const;
      throw fail(status === 429 ? 'UPSTREAM_REJECTED' : 'UPSTREAM_UNAVAILABLE', refusal, request.route);
    }
    const answered = { status, route: request.route, body, cacheHit: target.cacheable && response.headers.age !== undefined };
    return withJson(answered, fail, request.answer);
  } catch (error) {
    if (error instanceof UpstreamError) throw error;
    status ??= sent.status();
    if (error instanceof ResponseTooLargeError)
      throw fail('UPSTREAM_BAD_RESPONSE', { failure: 'bad-response', upstreamStatus: status, cause: error }, request.route);
    if (limits.signal.aborted) throw fail('UPSTREAM_UNAVAILABLE', { failure: 'aborted', cause: error }, request.route);
    if (lateMs !== undefined) {
      const ranOutOfBudget = left < target.timeoutMs;
      // The service's own time limit fired late: whatever the service did meanwhile could not be
      // read. The time was ours, and must not count against its circuit (the graph is overloaded).
      if (!ranOutOfBudget && lateMs > loopLagToleranceMs(limitMs)) {
        throw fail('UPSTREAM_UNAVAILABLE', { failure: 'overloaded', upstreamStatus: status, cause: error }, request.route);
      }
      const failure = ranOutOfBudget ? 'deadline' : 'timeout';
      throw fail('UPSTREAM_TIMEOUT', { failure, upstreamStatus: status, cause: error }, request.route);
    }
    throw fail('UPSTREAM_UNAVAILABLE', { failure: 'connection', upstreamStatus: status, cause: error }, request.route);
  } finally {
    clearTimeout(timer);
    forget();
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

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * One HTTP exchange through undici's dispatcher (the pool, or the HTTP cache in front of it),
 * its body read whole and capped at `max` bytes, by its declared length or as it comes.
 * undici's own handler interface, not `request()`: that wraps every answer in a Readable
 * stream read back through an async iterator, and cancels through an AbortSignal it listens to,
 * which was a tenth of the work of a call with nothing to show for it here.
 */
function exchange(
  dispatcher: Dispatcher,
  options: Dispatcher.DispatchOptions,
  max: number,
): { answer: Promise<Answer>; abort(reason: Error): void; status(): number | undefined } {
  let controller: Dispatcher.DispatchController | undefined;
  let cancelled: Error | undefined;
  let status: number | undefined;
  let headers: IncomingHttpHeaders = {};
  const chunks: Buffer[] = [];
  let size = 0;
  const { promise, resolve, reject } = Promise.withResolvers<Answer>();
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart(started) {
      controller = started;
      if (cancelled !== undefined) started.abort(cancelled);
    },
    onResponseStart(started, statusCode, responseHeaders) {
      // 1xx answers are informational: the final one follows.
      if (statusCode < 200) return;
      status = statusCode;
      headers = responseHeaders;
      const declared = Number(responseHeaders['content-length']);
      if (declared > max) started.abort(new ResponseTooLargeError(`content-length ${declared}`));
    },
    onResponseData(started, chunk) {
      size += chunk.length;
      if (size > max) started.abort(new ResponseTooLargeError(`more than ${max} bytes`));
      else chunks.push(chunk);
    },
    onResponseEnd() {
      resolve({ status: status ?? 0, headers, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size) });
    },
    onResponseError(_controller, error) {
      reject(error);
    },
  };
  try {
    dispatcher.dispatch(options, handler);
  } catch (error) {
    reject(error);
  }
  return {
    answer: promise,
    abort: (reason) => {
      if (controller === undefined) cancelled ??= reason;
      else if (!controller.aborted) controller.abort(reason);
    },
    status: () => status,
  };
}

/** `Retry-After` in ms: delay-seconds (what the contract promises) or an HTTP date. */
function retryAfter(headers: Record<string, string | string[] | undefined>): number | undefined {
  const value = headers['retry-after'];
  if (typeof value !== 'string') return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
