/**
 * The operators' endpoints, on only when `ADMIN_TOKEN` is set and answering only to
 * `authorization: Bearer <ADMIN_TOKEN>`:
 *
 * - `GET /admin/dead-letters`: orders whose confirmation email failed every attempt;
 * - `POST /admin/dead-letters/{idempotencyKey}/replay`: queues that email again, for a
 *   fresh round of attempts (sent at most once: its idempotency key is the order's);
 * - `POST /admin/cache/purge` with `{"service": "professional"}`, and `"path": "/profiles/u1"` for
 *   one resource: drops what the service's cache keeps of it (data changed out of band).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { refuse } from '../errors/http-refusal.js';
import type { OrderSaga } from './order-saga.js';

const REPLAY = /^\/admin\/dead-letters\/([^/]+)\/replay$/;

/** Drops a service's cache entries, or one resource's: how many went; `undefined` for a service it does not know. */
export type CachePurge = (service: string, path: string | undefined) => Promise<number> | undefined;

export function adminRoutes(
  token: string | undefined,
  orderSaga: OrderSaga,
  purge: CachePurge,
): (req: IncomingMessage, res: ServerResponse) => boolean {
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
    if (path === '/admin/cache/purge' && req.method === 'POST') {
      purgeRequest(req, res, purge);
      return true;
    }
    refuse(res, 404, 'NOT_FOUND', 'No such admin endpoint.');
    return true;
  };
}

/** The largest purge request read. */
const MAX_PURGE_BODY = 4096;

function purgeRequest(req: IncomingMessage, res: ServerResponse, purge: CachePurge): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_PURGE_BODY) chunks.push(chunk);
  });
  req.on('end', () => {
    if (size > MAX_PURGE_BODY) return refuse(res, 413, 'REQUEST_ENTITY_TOO_LARGE', `At most ${MAX_PURGE_BODY} bytes.`);
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      body = undefined;
    }
    const { service, path } = (typeof body === 'object' && body !== null ? body : {}) as { service?: unknown; path?: unknown };
    if (typeof service !== 'string' || (path !== undefined && (typeof path !== 'string' || !path.startsWith('/'))))
      return refuse(res, 400, 'BAD_REQUEST', 'Send {"service": "<name>"} and, for one resource, "path": "/<path>".');
    const purging = purge(service, path);
    if (purging === undefined) return refuse(res, 404, 'NOT_FOUND', 'No service of this name has a cache.');
    void purging.then((purged) => json(res, 200, { service, ...(path === undefined ? {} : { path }), purged }));
  });
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
