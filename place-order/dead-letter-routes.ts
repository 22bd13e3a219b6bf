/**
 * The operators' endpoints, on only when `ADMIN_TOKEN` is set and answering only to
 * `authorization: Bearer <ADMIN_TOKEN>`:
 *
 * - `GET /admin/dead-letters`: orders whose confirmation email failed every attempt;
 * - `POST /admin/dead-letters/{idempotencyKey}/replay`: queues that email again, for a
 *   fresh round of attempts (sent at most once: its idempotency key is the order's).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { refuse } from '../errors/http-refusal.js';
import type { OrderSaga } from './order-saga.js';

const REPLAY = /^\/admin\/dead-letters\/([^/]+)\/replay$/;

export function adminRoutes(token: string | undefined, orderSaga: OrderSaga): (req: IncomingMessage, res: ServerResponse) => boolean {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (token === undefined || !path.startsWith('/admin/')) return false;
    if (!authorized(req.headers.authorization, token)) {
      refuse(res, 401, 'UNAUTHENTICATED', 'An admin bearer token is required.', { 'www-authenticate': 'Bearer' });
      return true;
    }
    if (path === '/admin/dead-letters' && req.method === 'GET') {
      void orderSaga.deadLetters().then(
        (records) =>
          json(
            res,
            200,
            records.map((r) => ({
              idempotencyKey: r.key,
              orderId: r.orderId,
              userId: r.request.userId,
              attempts: r.attempts,
              lastError: r.progress.lastError,
              failedAt: new Date(r.updatedAt).toISOString(),
            })),
          ),
        () => refuse(res, 503, 'STATE_STORE_UNAVAILABLE', 'The state store failed.'),
      );
      return true;
    }
    const replay = REPLAY.exec(path);
    if (replay !== null && req.method === 'POST') {
      const key = decoded(replay[1]!);
      if (key === undefined) {
        refuse(res, 400, 'BAD_REQUEST', 'The key in the path is not a valid percent-encoding.');
        return true;
      }
      void orderSaga.replayDeadLetter(key).then(
        (replayed) => (replayed ? json(res, 202, { replayed: true }) : refuse(res, 404, 'NOT_FOUND', 'No dead letter has this key.')),
        () => refuse(res, 503, 'STATE_STORE_UNAVAILABLE', 'The state store failed.'),
      );
      return true;
    }
    refuse(res, 404, 'NOT_FOUND', 'No such admin endpoint.');
    return true;
  };
}

function authorized(header: string | undefined, token: string): boolean {
  const expected = Buffer.from(`Bearer ${token}`);
  const given = Buffer.from(header ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function decoded(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}
