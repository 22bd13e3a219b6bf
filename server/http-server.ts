/**
 * The HTTP server in front of the app (`npm start` and the tests build it the same way):
 * bounded in time and in connections, so that slow or endless clients cannot hold the
 * process, and with every refusal Node makes itself (a request it cannot parse, headers too
 * large, a request too slow to arrive, an HTTP/1.1 request without `Host`, an `Expect` it cannot
 * meet) answered as JSON with a code, like the graph's own. A request whose `Host` and path do not
 * make a URL is refused here too, before any route: Yoga's Fetch adapter would answer it with its
 * stack trace, and the fast path would serve it.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { refuse } from '../errors/http-refusal.js';
import { shortened } from './shortened.js';
import type { Socket } from 'node:net';
import type { YogaLogger } from 'graphql-yoga';
import { refusalBody } from '../errors/http-refusal.js';
import type { HttpRefusalCode } from '../errors/codes.js';

export interface HttpServerSettings {
  /** Time to receive a request's headers; past it 408. @default 10000 (`HEADERS_TIMEOUT_MS`) */
  readonly headersTimeoutMs: number;
  /** Time to receive a whole request, body included; past it 408. @default 30000 (`BODY_TIMEOUT_MS`) */
  readonly bodyTimeoutMs: number;
  /** Open connections at most; more are closed as they come. @default 10000 (`MAX_CONNECTIONS`) */
  readonly maxConnections: number;
}

/** What Node's parser refused, as the status, code and message a client reads. */
function refusalOf(error: Error & { code?: string }): [number, HttpRefusalCode, string] {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'REQUEST_TIMEOUT', 'The request did not arrive in time.'];
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'HEADERS_TOO_LARGE', 'The request headers are too large.'];
    default:
      return [400, 'BAD_REQUEST', 'The request is not valid HTTP/1.1.'];
  }
}

export function createHttpServer(
  settings: HttpServerSettings,
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  options: {
    logger: YogaLogger;
    /** Told of a request that took too long to arrive (it counts against its client's rate limit): its headers, when they came. */
    onSlowClient?: (req: IncomingMessage | undefined, socket: Socket) => void;
  },
): Server {
  const server = createServer(
    {
      headersTimeout: settings.headersTimeoutMs,
      requestTimeout: Math.max(settings.bodyTimeoutMs, settings.headersTimeoutMs),
      // How often Node looks for requests past those limits (30 s by default).
      connectionsCheckingInterval: Math.min(1000, settings.headersTimeoutMs),
      // Refused below instead, with a body and a code (Node's own 400 has neither).
      requireHostHeader: false,
    },
    (req, res) => {
      const refusal = addressRefusal(req);
      if (refusal === undefined) return listener(req, res);
      options.logger.info('http: a request was refused for its address', {
        code: 'BAD_REQUEST',
        reason: refusal,
        host: req.headers.host === undefined ? undefined : shortened(req.headers.host, 64),
      });
      refuse(res, 400, 'BAD_REQUEST', refusal, { connection: 'close' });
    },
  );
  // Any `Expect` but `100-continue` (which Node answers itself): Node's own 417 has no body.
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    options.logger.info('http: a request was refused for its Expect header', {
      code: 'EXPECTATION_FAILED',
      expect: req.headers.expect === undefined ? undefined : shortened(req.headers.expect, 64),
    });
    refuse(res, 417, 'EXPECTATION_FAILED', 'The only expectation this server meets is 100-continue.', { connection: 'close' });
  });
  server.maxConnections = settings.maxConnections;
  server.on('clientError', (error: Error & { code?: string }, socket: Socket) => {
    // Node's own rule: a refusal can be written unless an answer has started (a body that
    // never finishes arriving has a response object, but nothing sent on it yet).
    const response = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined;
    // Bytes after a request that said `connection: close`: that request's answer is still to
    // come, and it closes the connection when done; what followed is ignored, as the client asked.
    if (error.code === 'HPE_CLOSED_CONNECTION' && response !== undefined && socket.writable) return;
    if (!socket.writable || response?.headersSent === true) {
      // An answer is already on its way (or the peer is gone): nothing else can be said.
      socket.destroy();
      return;
    }
    const [status, code, message] = refusalOf(error);
    if (status === 408) options.onSlowClient?.(response?.req, socket);
    if (error.code !== 'ECONNRESET') options.logger.debug('http: a request was refused before it was parsed', { code, reason: error.code });
    socket.end(rawRefusal(status, code, message));
  });
  return server;
}

/**
 * Why the request's address cannot be served, or undefined when it can: an HTTP/1.1 request
 * must name its host (RFC 9112, 3.2), and its `Host` and path must make a URL, as every later
 * stage (Yoga's Fetch adapter, the routes) reads them.
 */
function addressRefusal(req: IncomingMessage): string | undefined {
  const { host } = req.headers;
  if (host === undefined) return req.httpVersionMinor >= 1 && req.httpVersionMajor === 1 ? 'The request has no Host header.' : undefined;
  if (!AUTHORITY.test(host)) return 'The Host header is not a host name or address, with an optional port.';
  return URL.canParse(`http://${host}${req.url ?? '/'}`) ? undefined : 'The Host header and the path do not make a URL.';
}

/** A `Host` value (RFC 9110, 7.2): a name or an IPv4 or bracketed IPv6 address, then an optional port. */
const AUTHORITY = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~%!$&'()*+,;=]+)(?::\d{0,5})?$/;

/** A whole HTTP/1.1 answer for a socket whose request Node could not parse (no response object): the connection closes after it. */
function rawRefusal(status: number, code: HttpRefusalCode, message: string): string {
  const body = refusalBody(code, message);
  return (
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
    `content-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`
  );
}
