/**
 * A small HTTP server for one demo service: routing, JSON, `Idempotency-Key` replay, and
 * the latency and fault settings a person can change while it runs
 * (`GET`/`PUT /_demo/settings`), the count of requests received (`GET /_demo/calls`), and its
 * API description (`GET /openapi.json`, from contracts/<service>.openapi.yaml).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import type { ContractCheck } from './contract-check.js';
import { openApiDocument } from './openapi-document.js';

export const FAULTS = ['none', 'error', 'hang', 'reset', 'bad-json'] as const;
export type Fault = (typeof FAULTS)[number];

export const demoSettingsSchema = z
  .object({
    /** Delay before every answer, in ms. */
    latencyMs: z.number().int().min(0).max(60_000),
    /** `error` answers `errorStatus`; `hang` never answers; `reset` drops the connection; `bad-json` answers 200 with a broken body. */
    fault: z.enum(FAULTS),
    errorStatus: z.number().int().min(400).max(599),
    /** Whether reads carry the contract's `Cache-Control`, `Vary` and `ETag` ("Caching of reads"). */
    cacheHeaders: z.boolean(),
  })
  .strict();

export type DemoSettings = z.infer<typeof demoSettingsSchema>;

export interface DemoRequest {
  method: string;
  params: string[];
  query: URLSearchParams;
  /** The parsed JSON body; `undefined` when there was none or it was not JSON. */
  body: unknown;
  headers: IncomingMessage['headers'];
  /** Who the forwarded `authorization` says the caller is, when the service verifies tokens. */
  viewer?: DemoViewer;
}

/** A caller, as a verified token names them. */
export interface DemoViewer {
  readonly userId: string;
  readonly admin: boolean;
}

/** Verifies a forwarded `authorization`: its caller, or `undefined` when the token is not valid. */
export type Identify = (authorization: string) => Promise<DemoViewer | undefined>;

export interface DemoResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** How a read's answers may be reused, as the contract's "Caching of reads" table says for it. */
export interface ReadCaching {
  readonly cacheControl: string;
  readonly vary?: string;
  /** An `ETag` (a hash of the body), and `304 Not Modified` to an `If-None-Match` that names it. */
  readonly etag?: boolean;
  /** A 404 carries the same `Cache-Control` (professional's "no profile"). */
  readonly notFound?: boolean;
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  pattern: RegExp;
  /** Writes replay their first answer for a repeated `Idempotency-Key`. */
  idempotent?: boolean;
  /** A read's caching headers, sent while the `cacheHeaders` setting is on. */
  caching?: ReadCaching;
  handle: (request: DemoRequest) => DemoResponse;
}

export interface DemoServer {
  readonly name: string;
  readonly url: string;
  readonly settings: DemoSettings;
  /** Requests received, by `METHOD /path` without the query: what the benchmark counts. */
  readonly calls: Map<string, number>;
  configure(patch: Partial<DemoSettings>): DemoSettings;
  close(): Promise<void>;
}

export const errorBody = (code: string, message: string, extra: object = {}): object => ({ error: { code, message, ...extra } });

/** Holds every exchange of the service's API to its document, and says each violation (contract-check.ts). */
export interface SelfCheck {
  readonly check: ContractCheck;
  readonly onViolation: (violation: string) => void;
}

/**
 * Whether a request says its body is JSON. The settings controls take nothing else: a body a web
 * page can send without a preflight (`text/plain`, a form) would let any site a developer
 * visits change their demo's faults.
 */
export function isJsonRequest(req: IncomingMessage): boolean {
  return /^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '');
}

export async function startDemoServer(
  name: string,
  routes: readonly Route[],
  initial: Partial<DemoSettings> = {},
  port = 0,
  host = '127.0.0.1',
  selfCheck?: SelfCheck,
  /** When given, a request with `authorization` is answered for the caller its token names (401 when it is not valid). */
  identify?: Identify,
): Promise<DemoServer> {
  const settings: DemoSettings = { latencyMs: 0, fault: 'none', errorStatus: 503, cacheHeaders: true, ...initial };
  const calls = new Map<string, number>();
  const replays = new Map<string, { fingerprint: string; response: DemoResponse }>();

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = URL.parse(req.url ?? '/', 'http://demo');
      if (url === null) return send(res, { status: 400, body: errorBody('BAD_REQUEST', 'the request target is not a path') });
      if (url.pathname === '/_demo/settings') return control(req, raw, res);
      if (url.pathname === '/_demo/calls') return send(res, { status: 200, body: Object.fromEntries(calls) });
      // The service's API description, as a real service publishes it (contracts/<name>.openapi.yaml).
      if (url.pathname === '/openapi.json' && req.method === 'GET') return describeApi(res);
      const key = `${req.method} ${url.pathname}`;
      calls.set(key, (calls.get(key) ?? 0) + 1);
      const authorization = req.headers.authorization;
      const go = (viewer: DemoViewer | undefined) => {
        const answer = () => serve(req, res, url, raw, viewer);
        if (settings.latencyMs > 0) setTimeout(answer, settings.latencyMs);
        else answer();
      };
      if (identify === undefined || authorization === undefined) return go(undefined);
      void identify(authorization).then((viewer) =>
        viewer === undefined ? send(res, { status: 401, body: errorBody('UNAUTHENTICATED', 'the token is not valid') }) : go(viewer),
      );
    });
  });

  function describeApi(res: ServerResponse): void {
    let document: object;
    try {
      document = openApiDocument(name);
    } catch {
      return send(res, { status: 500, body: errorBody('NO_API_DESCRIPTION', `contracts/${name}.openapi.yaml cannot be read`) });
    }
    send(res, { status: 200, body: document });
  }

  function control(req: IncomingMessage, raw: string, res: ServerResponse): void {
    if (req.method === 'PUT') {
      if (!isJsonRequest(req))
        return send(res, { status: 415, body: errorBody('UNSUPPORTED_MEDIA_TYPE', 'send the settings as application/json') });
      const patch = demoSettingsSchema.partial().safeParse(safeJson(raw));
      if (!patch.success) return send(res, { status: 400, body: errorBody('BAD_SETTINGS', z.prettifyError(patch.error)) });
      configure(patch.data);
    }
    send(res, { status: 200, body: settings });
  }

  function serve(req: IncomingMessage, res: ServerResponse, url: URL, raw: string, viewer: DemoViewer | undefined): void {
    switch (settings.fault) {
      case 'hang':
        return; // the socket stays open until the client gives up or the server closes
      case 'reset':
        req.socket.destroy();
        return;
      case 'error':
        return send(res, { status: settings.errorStatus, body: errorBody('DEMO_FAULT', `${name} is configured to fail`) });
      case 'bad-json':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"this is": not json');
        return;
      case 'none':
        break;
    }
    const method = req.method ?? 'GET';
    for (const route of routes) {
      const match = route.method === method ? route.pattern.exec(url.pathname) : null;
      if (match === null) continue;
      const params = decodedAll(match.slice(1));
      if (params === undefined)
        return send(res, { status: 400, body: errorBody('BAD_REQUEST', 'a path segment is not a valid percent-encoding') });
      const request: DemoRequest = {
        method,
        params,
        query: url.searchParams,
        body: safeJson(raw),
        headers: req.headers,
        ...(viewer === undefined ? {} : { viewer }),
      };
      const response = route.idempotent === true ? replayable(route, request, `${method} ${url.pathname} ${raw}`) : route.handle(request);
      return answer(settings.cacheHeaders && route.caching !== undefined ? withCaching(route.caching, request, response) : response);
    }
    answer({ status: 404, body: errorBody('NOT_FOUND', `no route for ${method} ${url.pathname}`) });

    // Answers given with a fault set (above) break the contract on purpose; these are held to it.
    function answer(response: DemoResponse): void {
      if (selfCheck !== undefined) {
        const headers: OutgoingHttpHeaders = {
          ...(response.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...response.headers,
        };
        const exchange = {
          method,
          target: req.url ?? '/',
          headers: req.headers,
          body: raw,
          response: { status: response.status, headers, body: response.body },
        };
        for (const violation of selfCheck.check(exchange)) selfCheck.onViolation(violation);
      }
      send(res, response);
    }
  }

  function replayable(route: Route, request: DemoRequest, content: string): DemoResponse {
    const key = request.headers['idempotency-key'];
    if (typeof key !== 'string' || key === '') {
      return { status: 400, body: errorBody('IDEMPOTENCY_KEY_REQUIRED', 'writes take an Idempotency-Key header') };
    }
    const fingerprint = createHash('sha256').update(content).digest('hex');
    const earlier = replays.get(key);
    if (earlier !== undefined) {
      return earlier.fingerprint === fingerprint
        ? earlier.response
        : { status: 422, body: errorBody('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key came with another request') };
    }
    const response = route.handle(request);
    replays.set(key, { fingerprint, response });
    return response;
  }

  function configure(patch: Partial<DemoSettings>): DemoSettings {
    Object.assign(settings, demoSettingsSchema.partial().parse(patch));
    return { ...settings };
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const address = server.address() as AddressInfo;

  return {
    name,
    url: `http://${host}:${address.port}`,
    settings,
    calls,
    configure,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, { status, body, headers = {} }: DemoResponse): void {
  if (body === undefined) {
    res.writeHead(status, headers).end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
}

/** A read's answer with the contract's caching headers; a `304` where the client holds the same body. */
function withCaching(caching: ReadCaching, request: DemoRequest, response: DemoResponse): DemoResponse {
  if (response.status !== 200 && !(response.status === 404 && caching.notFound === true)) return response;
  const headers: Record<string, string> = { 'cache-control': caching.cacheControl };
  if (caching.vary !== undefined) headers.vary = caching.vary;
  if (caching.etag !== true || response.status !== 200) return { ...response, headers };
  headers.etag = `"${createHash('sha256').update(JSON.stringify(response.body)).digest('base64url').slice(0, 22)}"`;
  const asked = request.headers['if-none-match'];
  if (typeof asked === 'string' && asked.split(',').some((tag) => tag.trim() === headers.etag))
    return { status: 304, headers: { etag: headers.etag, 'cache-control': caching.cacheControl } };
  return { ...response, headers };
}

function safeJson(raw: string): unknown {
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

/** Each part percent-decoded; undefined when one is not a valid encoding (`%E0%A4%A`). */
function decodedAll(parts: readonly string[]): string[] | undefined {
  try {
    return parts.map((part) => decodeURIComponent(part));
  } catch {
    return undefined;
  }
}
