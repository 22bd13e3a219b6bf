/**
 * Starts the graph server in the test process, on 127.0.0.1:0, with a literal
 * configuration pointing at the given upstreams: the same `createApp` that `npm start` uses.
 */
import type { AddressInfo } from 'node:net';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { createLogger, type YogaLogger } from 'graphql-yoga';
import { createApp } from '../../server/app.js';
import { SERVICE_NAMES, type ServiceName } from '../../errors/service-name.js';
import { loadConfig } from '../../server/config.js';

export interface GraphResponse {
  status: number;
  headers: Headers;
  body: {
    data?: Record<string, unknown> | null;
    errors?: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[];
    extensions?: Record<string, unknown>;
  };
}

export interface GraphServer {
  readonly url: string;
  /** POSTs an operation; `params` are more request parameters beside it (e.g. `onError`). */
  query(
    query: string,
    variables?: Record<string, unknown>,
    headers?: Record<string, string>,
    params?: Record<string, unknown>,
  ): Promise<GraphResponse>;
  close(): Promise<void>;
}

export interface GraphOptions {
  /** Where the graph logs (silent by default). */
  readonly logger?: YogaLogger;
  /** Where its spans go (none by default). */
  readonly spanExporter?: SpanExporter;
}

export async function startGraph(
  urls: Record<ServiceName, string>,
  env: Record<string, string> = {},
  options: GraphOptions = {},
): Promise<GraphServer> {
  const urlEnv = Object.fromEntries(SERVICE_NAMES.map((name) => [`${name.toUpperCase()}_API_URL`, urls[name]]));
  // A real SQLite database, in memory unless the test gives a file. Every request of a test
  // comes from one IP: the rate limit is off unless the test sets it.
  const config = loadConfig({ STATE_DB_PATH: ':memory:', RATE_LIMIT_REQUESTS: '0', ...urlEnv, ...env });
  const app = createApp({
    config,
    urls,
    logger: options.logger ?? createLogger('silent'),
    ...(options.spanExporter === undefined ? {} : { spanExporter: options.spanExporter }),
  });
  await app.connected(5000);
  const server = app.httpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    async query(query, variables = {}, headers = {}, params = {}) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
        body: JSON.stringify({ query, variables, ...params }),
      });
      return { status: response.status, headers: response.headers, body: (await response.json()) as GraphResponse['body'] };
    },
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await app.close();
    },
  };
}
