/**
 * The contract's error body, `{"error": {"code", "message"}}`, which a service may or may not
 * send with an error status: read for the domain's refusals (OUT_OF_STOCK, INVALID_ORDER) and
 * for the log, never passed on to a client. Its shapes come from the services' documents.
 */
import type { z } from 'zod';
import { zError } from '../generated/upstreams/personal/zod.gen.js';

/**
 * The error body as `schema` (a service's `Error`, or a refusal's own shape), or `undefined`
 * when the body is anything else (empty, HTML, cut short).
 */
export function errorBody<T extends { error: object }>(body: Buffer, schema: z.ZodType<T>): T['error'] | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(body.toString('utf8')));
    return parsed.success ? parsed.data.error : undefined;
  } catch {
    return undefined;
  }
}

/**
 * What an error answer says, for the log: the contract's code and message, cut short; never a
 * whole body. Every service answers the common error body (upstreams.md), so one document's
 * `Error` reads them all.
 */
export function errorDetail(body: Buffer): string | undefined {
  const error = errorBody(body, zError);
  if (error === undefined) return undefined;
  const text = error.message === undefined ? error.code : `${error.code}: ${error.message}`;
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
