/**
 * The process's own HTTP routes beside the graph: `/` (to GraphiQL), `/healthz` (alive),
 * `/readyz` (ready, 503 while draining) and `/metrics` (Prometheus text format).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { refuse } from '../errors/http-refusal.js';

/** Answers the request and returns true when it is one of its routes; false leaves it to the next. */
export type Route = (req: IncomingMessage, res: ServerResponse) => boolean;

/** What `/metrics` serves: the exposition, and its content type. */
export interface MetricsSource {
  exposition(): Promise<string>;
  readonly contentType: string;
}

export function processRoutes(options: { metrics: MetricsSource; draining: () => boolean }): Route {
  const { metrics, draining } = options;
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    switch (path) {
      case '/':
        res.writeHead(302, { location: '/graphql' }).end();
        return true;
      case '/healthz':
        reply(res, 200, { status: 'ok' });
        return true;
      case '/readyz':
        reply(res, draining() ? 503 : 200, { status: draining() ? 'draining' : 'ready' });
        return true;
      case '/metrics':
        if (req.method !== 'GET') return false;
        metrics.exposition().then(
          (text) => res.writeHead(200, { 'content-type': metrics.contentType }).end(text),
          () => refuse(res, 500, 'INTERNAL_SERVER_ERROR', 'The metrics could not be collected.'),
        );
        return true;
      default:
        return false;
    }
  };
}

function reply(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
