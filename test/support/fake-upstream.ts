/**
 * Fake upstream services for the tests: real HTTP servers on 127.0.0.1:0 that record
 * every request and answer as each test tells them, faults included. They follow
 * `../shared/upstreams.md` and nothing of the graph's own code.
 */
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { contractCheck, type ContractCheck } from '../../demo/contract-check.js';
import type { ServiceName } from '../../errors/service-name.js';
import { recordViolation } from './contract-violations.js';

export interface RecordedRequest {
  method: string;
  /** Path and query as received, e.g. `/users?ids=u1,u2`. */
  url: string;
  pathname: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
  /** The client's port: the same for requests that came over one kept-alive connection. */
  remotePort: number | undefined;
  /** `performance.now()` when the request had arrived whole. */
  receivedAt: number;
  /** Resolves when the client closed the connection before the answer was complete. */
  abandoned: Promise<void>;
}

/** Answers one request; what it returns is awaited (when a promise) and otherwise ignored. */
export type Handler = (request: RecordedRequest, res: ServerResponse) => unknown;

export interface FakeUpstream {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Requests received but not answered yet. */
  inFlight(): number;
  /** Resolves once `count` requests in all have arrived. */
  received(count: number): Promise<void>;
  /** Replaces the handler from now on. */
  handle(handler: Handler): void;
  close(): Promise<void>;
}

export interface FakeOptions {
  /**
   * The service this fake stands for: every request it receives is held to the service's
   * OpenAPI document, and so is every answer of a handler that follows the contract
   * (`followingContract`); other handlers are a test's faults, injected on purpose.
   * Violations go to contract-violations.ts.
   */
  readonly contract?: ServiceName;
}

const contractFollowing = new WeakSet<Handler>();

/** Marks a handler as answering by the contract: its answers are held to the service's document. */
export function followingContract(handler: Handler): Handler {
  contractFollowing.add(handler);
  return handler;
}

export async function startFakeUpstream(handler: Handler, options: FakeOptions = {}): Promise<FakeUpstream> {
  const requests: RecordedRequest[] = [];
  let current = handler;
  const check = options.contract === undefined ? undefined : contractCheck(options.contract);
  let open = 0;
  let waiters: { count: number; resolve: () => void }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      let abandon!: () => void;
      const abandoned = new Promise<void>((resolve) => {
        abandon = resolve;
      });
      res.once('close', () => {
        if (!res.writableFinished) abandon();
      });
      const recorded: RecordedRequest = {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        pathname: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        remotePort: req.socket.remotePort,
        receivedAt: performance.now(),
        abandoned,
      };
      requests.push(recorded);
      for (const waiter of waiters) if (requests.length >= waiter.count) waiter.resolve();
      waiters = waiters.filter((waiter) => requests.length < waiter.count);
      open++;
      res.once('close', () => open--);
      if (check !== undefined) observe(check, contractFollowing.has(current), recorded, res);
      Promise.resolve(current(recorded, res)).catch((error: unknown) => {
        if (!res.headersSent) json(res, 500, { error: { code: 'FAKE_FAILED', message: String(error) } });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    inFlight: () => open,
    received: (count) => (requests.length >= count ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve }))),
    handle: (next) => {
      current = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Holds the request, and the answer once sent whole (when `answers`), to the document. */
function observe(check: ContractCheck, answers: boolean, request: RecordedRequest, res: ServerResponse): void {
  const exchange = { method: request.method, target: request.url, headers: request.headers, body: request.body };
  if (!answers) {
    // An answer that breaks the document is then the test's fault injection: only the request is checked.
    for (const violation of check(exchange)) recordViolation(violation);
    return;
  }
  const chunks: Buffer[] = [];
  let headers: OutgoingHttpHeaders = {};
  const writeHead = res.writeHead.bind(res) as (status: number, headers?: OutgoingHttpHeaders) => ServerResponse;
  res.writeHead = ((status: number, given?: OutgoingHttpHeaders) => {
    headers = { ...headers, ...given };
    return writeHead(status, given);
  }) as typeof res.writeHead;
  // What goes out through write() and end(), kept as it goes.
  const keeping =
    <R>(send: (...args: unknown[]) => R) =>
    (...args: unknown[]): R => {
      const [chunk] = args;
      if (typeof chunk === 'string' || chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
      return send(...args);
    };
  res.write = keeping(res.write.bind(res) as (...args: unknown[]) => boolean) as typeof res.write;
  res.end = keeping(res.end.bind(res) as (...args: unknown[]) => ServerResponse) as typeof res.end;
  res.once('finish', () => {
    const response = { status: res.statusCode, headers: { ...res.getHeaders(), ...headers }, body: Buffer.concat(chunks).toString('utf8') };
    for (const violation of check({ ...exchange, response })) recordViolation(violation);
  });
}

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

export function notFound(res: ServerResponse): void {
  json(res, 404, { error: { code: 'NOT_FOUND', message: 'not found' } });
}

/**
 * Resolves when `count` parties have arrived. Lets a fake hold its answers until every
 * request a test expects in parallel has reached it: if the graph made them one after
 * the other, the barrier would never open and the test would fail, not flake.
 */
export class Barrier {
  private arrived = 0;
  private readonly opened: Promise<void>;
  private open!: () => void;

  constructor(private readonly count: number) {
    this.opened = new Promise((resolve) => {
      this.open = resolve;
    });
  }

  arrive(): Promise<void> {
    if (++this.arrived >= this.count) this.open();
    return this.opened;
  }

  get arrivals(): number {
    return this.arrived;
  }
}

/** A promise with its resolve function, for a test to release a held answer. */
export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/**
 * Wraps handlers so that each holds its answer until `count` requests have arrived across all
 * of them: calls the graph makes at once are then in flight together by construction.
 */
export function answeredTogether(count: number): (handler: Handler) => Handler {
  const all = new Barrier(count);
  return (handler) => async (request, res) => {
    await all.arrive();
    return handler(request, res);
  };
}
