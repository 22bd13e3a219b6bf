import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

// A caller's id is passed on only when it cannot smuggle anything into a header or a log line.
const SAFE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/**
 * Gives every request an `x-request-id`: the caller's when it is a sane token, else a
 * fresh one. It is written back onto the request (so every upstream call carries it) and
 * onto the response (so a client can quote it).
 */
export function assignRequestId(req: IncomingMessage, res: ServerResponse): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
  req.headers['x-request-id'] = id;
  res.setHeader('x-request-id', id);
  return id;
}
