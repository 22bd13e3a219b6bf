/**
 * The contract's error body, `{"error": {"code", "message"}}`, which a service may or may not
 * send with an error status: read for the domain's refusals (OUT_OF_STOCK, INVALID_ORDER) and
 * for the log, never passed on to a client.
 */
import { z } from 'zod';

const errorBodySchema = z.object({
  error: z.object({ code: z.string(), message: z.string().optional(), productId: z.string().optional() }),
});

/** The contract's error body, or `undefined` when the body is anything else (empty, HTML, cut short). */
export function errorBody(body: Buffer): z.infer<typeof errorBodySchema>['error'] | undefined {
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(body.toString('utf8')));
    return parsed.success ? parsed.data.error : undefined;
  } catch {
    return undefined;
  }
}

/** What an error answer says, for the log: the contract's code and message, cut short; never a whole body. */
export function errorDetail(body: Buffer): string | undefined {
  const error = errorBody(body);
  if (error === undefined) return undefined;
  const text = error.message === undefined ? error.code : `${error.code}: ${error.message}`;
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
