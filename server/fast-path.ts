/**
 * The common request without Yoga's Fetch adapter: a `POST /graphql` with a JSON body of declared
 * length (within `MAX_BODY_BYTES`). It runs Yoga's own phases for it, with every plugin's hooks in
 * Yoga's order, as Yoga's `handle` does: the request-parse hooks (which choose Yoga's JSON parser,
 * may wrap it, or answer at once), a batch operation by operation, the parameter hooks
 * (authentication, rate limit, persisted operations, error modes, Yoga's checks), envelop's phases
 * (parse and validate with their caches, the context, every execution plugin; run by
 * operation-path.ts without envelop's per-request machinery), the result hooks (content
 * negotiation, error hygiene, telemetry) and the response hooks (CORS, Vary, coded refusals).
 *
 * What it leaves out: the adapter's Node-to-Fetch request (a body stream read back through an
 * async iterator), the `onRequest` phase (health, GraphiQL, CORS preflight and 404 answer other
 * routes and methods; none acts on such a request) and the promise-helpers chains between the
 * phases. Any other request goes to Yoga untouched, decided from its headers before its body is read.
 *
 * What it saves, and what running the operation's phases itself saves, is measured in
 * bench/JOURNAL.md ("The read path" and the fast path's runs). Skipping the
 * request-parse and result phases instead would have saved more and broken the production
 * introspection refusal, which Yoga decides in `onRequestParse`. `test/fast-path.test.ts` holds
 * both paths to the same answers: status, headers and body, byte for byte, and the same log lines
 * and operation metrics.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isPromise } from 'graphql-yoga';
import { sendNodeResponse } from '@whatwg-node/server';
import { declaredWithin } from '../security/body-limit.js';
import { withoutStackTraces } from '../errors/stack-traces.js';
import { OperationPath } from './operation-path.js';
import {
  hooksOf,
  versionRefusal,
  yogaInternals,
  type Params,
  type PinnedVersions,
  type Result,
  type Yoga,
  type YogaInternals,
} from './yoga-internals.js';

type ServerContext = { req: IncomingMessage; res: ServerResponse; waitUntil: (promise: Promise<unknown> | void) => void };
type Parser = (request: Request) => Params | Params[] | Response | Promise<Params | Params[] | Response>;

/** Yoga's test of a parser's answer. */
function isResponse(value: unknown): value is Response {
  return Boolean((value as Partial<Response> | undefined)?.status) && Boolean((value as Partial<Response>).headers);
}

/** `application/json`, with or without parameters (`; charset=utf-8`). */
const JSON_TYPE = /^application\/json\s*(;|$)/i;

export interface FastPathSettings {
  readonly endpoint: string;
  readonly maxBodyBytes: number;
  /** Logs what Yoga logs from its own error handling (a thrown bug, masked). */
  readonly logError: (error: unknown) => void;
  /** Told of every request it takes (a metric). */
  readonly taken: () => void;
}

/** A listener for the requests the fast path takes: true when it took this one, false to leave it to Yoga (it has read nothing then). */
export type FastPathListener = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * The fast path's listener, or why it cannot serve this Yoga (server/yoga-internals.ts): then Yoga
 * serves every request.
 */
export function fastPath<Context extends object>(
  yoga: Yoga<Context>,
  settings: FastPathSettings,
  pinned: PinnedVersions,
): FastPathListener | { readonly off: string } {
  const off = versionRefusal(yoga, pinned);
  if (off !== undefined) return { off };
  try {
    // Yoga's plugins and the rest of what this path runs as Yoga does, read once.
    return new FastPath(yoga, yogaInternals(yoga), settings).listener;
  } catch (error) {
    return { off: (error as Error).message };
  }
}

/**
 * One request, top to bottom: `listener` decides from the headers, `serve` reads the body and
 * answers, `handle` is Yoga's `handle` (`parseRequest`, the operation, `processResult`), `respond`
 * the adapter's response phase.
 */
class FastPath<Context extends object> {
  private readonly parseHooks;
  private readonly resultHooks;
  private readonly responseHooks;
  private readonly fetchAPI: Yoga['fetchAPI'];
  private readonly operationPath: OperationPath;

  constructor(
    yoga: Yoga<Context>,
    internals: YogaInternals,
    private readonly settings: FastPathSettings,
  ) {
    this.parseHooks = hooksOf(internals.plugins, 'onRequestParse');
    this.resultHooks = hooksOf(internals.plugins, 'onResultProcess');
    this.responseHooks = hooksOf(internals.plugins, 'onResponse');
    if (this.resultHooks.length === 0) throw new Error('yoga has no result processors');
    this.fetchAPI = yoga.fetchAPI;
    this.operationPath = new OperationPath(internals, yoga.fetchAPI);
  }

  readonly listener: FastPathListener = (req, res) => {
    const { settings } = this;
    if (req.method !== 'POST' || req.url !== settings.endpoint) return false;
    const { headers } = req;
    const type = headers['content-type'];
    const length = headers['content-length'];
    if (type === undefined || !JSON_TYPE.test(type)) return false;
    // A length the body limit would refuse is left to it: the body is read here before its hook runs.
    if (length === undefined || !declaredWithin(length, settings.maxBodyBytes)) return false;
    if (headers['content-encoding'] !== undefined || headers['transfer-encoding'] !== undefined) return false;
    settings.taken();
    this.serve(req, res).catch((error: unknown) => {
      settings.logError(error);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
    return true;
  };

  /** The request as Yoga's adapter would make it, Yoga's `handle`, the response phase, the answer written. */
  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const controller = new AbortController();
    // Closed before the answer was all written (the client went away, or the write failed): the
    // operation's calls are cancelled. One listener: Node closes a response after its error too.
    res.once('close', () => {
      if (!res.writableFinished) controller.abort(res.errored ?? undefined);
    });
    const body = await readBody(req);
    if (body === undefined) return; // the client went away, or Node refused the request (408)
    const url = `http://${req.headers.host ?? 'localhost'}${req.url}`;
    const request = new this.fetchAPI.Request(url, { method: 'POST', headers: headersOf(req), body, signal: controller.signal });
    const serverContext: ServerContext = { req, res, waitUntil: this.waitUntil };
    let response: Response;
    try {
      response = await this.handle(request, serverContext);
    } catch (error) {
      response = await this.processResult(request, { errors: this.operationPath.errorsOf(error) }, serverContext);
    }
    response = await this.respond(request, response, serverContext);
    await sendNodeResponse(response, res, req, true);
  }

  private readonly waitUntil = (promise: Promise<unknown> | void): void => {
    if (isPromise(promise)) promise.catch((error: unknown) => this.settings.logError(error));
  };

  /** Yoga's `handle`: the parameters, the operation (each of a batch on a context of its own), the result. */
  private async handle(request: Request, serverContext: ServerContext): Promise<Response> {
    const parsed = await this.parseRequest(request, serverContext);
    if (isResponse(parsed)) return parsed;
    const result: Result | Result[] = Array.isArray(parsed)
      ? await Promise.all(parsed.map((params) => this.batched(params, request, Object.create(serverContext) as ServerContext)))
      : await this.operationPath.run(parsed, request, serverContext);
    return this.processResult(request, result, serverContext);
  }

  /** Yoga's request-parse phase: its hooks pick the parser (and may wrap it, or answer at once). */
  private async parseRequest(request: Request, serverContext: ServerContext): Promise<Response | Params | Params[]> {
    const { fetchAPI } = this;
    let parser: Parser | undefined;
    let early: Response | undefined;
    let url: URL | undefined;
    const lazyUrl = new Proxy({} as URL, {
      get: (_target, name): unknown => Reflect.get((url ??= new fetchAPI.URL(request.url)), name) as unknown,
    });
    const done: ((payload: Record<string, unknown>) => unknown)[] = [];
    // The setters every hook is handed, made once a request.
    const setRequestParser = (next: Parser) => (parser = next);
    let ended = false;
    const endResponse = (response: Response) => {
      early = response;
      ended = true;
    };
    for (const hook of this.parseHooks) {
      const payload = { request, url: lazyUrl, requestParser: parser, serverContext, setRequestParser, endResponse, fetchAPI };
      let returned = hook(payload) as { onRequestParseDone?: (typeof done)[number] } | Promise<unknown> | undefined;
      if (isPromise(returned)) returned = (await returned) as typeof returned;
      const onDone = (returned as { onRequestParseDone?: (typeof done)[number] } | undefined)?.onRequestParseDone;
      if (onDone !== undefined) done.push(onDone);
      if (ended) break;
    }
    if (early !== undefined) return early;
    if (parser === undefined) return new fetchAPI.Response(null, { status: 415, statusText: 'Unsupported Media Type' });
    let parsed = await parser(request);
    if (isResponse(parsed)) return parsed;
    for (const onDone of done) {
      const returned = onDone({ requestParserResult: parsed, setRequestParserResult: (next: Params | Params[]) => (parsed = next) });
      if (isPromise(returned)) await returned;
    }
    return parsed;
  }

  /** One operation of a batch: what it throws is its own answer. */
  private async batched(params: Params, request: Request, serverContext: ServerContext): Promise<Result> {
    try {
      return await this.operationPath.run(params, request, serverContext);
    } catch (error) {
      return { errors: this.operationPath.errorsOf(error) };
    }
  }

  /** Yoga's `processResult`: the result hooks choose the processor by the request's Accept. */
  private async processResult(request: Request, result: Result | Result[], serverContext: ServerContext): Promise<Response> {
    const { fetchAPI } = this;
    let current: unknown = result;
    let processor: ((result: unknown, fetch: typeof fetchAPI, mediaType: string) => Response | Promise<Response>) | undefined;
    let mediaType = '*/*';
    const acceptableMediaTypes: string[] = [];
    for (const hook of this.resultHooks) {
      const returned = hook({
        request,
        acceptableMediaTypes,
        result: current,
        setResult: (next: unknown) => (current = next),
        resultProcessor: processor,
        setResultProcessor: (next: typeof processor, type: string) => {
          processor = next;
          mediaType = type;
        },
        serverContext,
      });
      if (isPromise(returned)) await returned;
    }
    if (processor === undefined)
      return new fetchAPI.Response(null, {
        status: 406,
        statusText: 'Not Acceptable',
        headers: { accept: acceptableMediaTypes.join('; charset=utf-8, ') },
      });
    // Yoga's processors copy every error of the answer as they serialize it (each twice, the outer
    // copy reading the inner's fresh stack): copies for the wire, made without stacks (errors/stack-traces.ts).
    const chosen = processor;
    return withoutStackTraces(() => chosen(current, fetchAPI, mediaType));
  }

  /** The adapter's response phase: CORS, Vary, coded refusals. */
  private async respond(request: Request, response: Response, serverContext: ServerContext): Promise<Response> {
    const { fetchAPI } = this;
    let current = response;
    for (const hook of this.responseHooks) {
      const returned = hook({ request, response: current, serverContext, setResponse: (next: Response) => (current = next), fetchAPI });
      if (isPromise(returned)) await returned;
    }
    return current;
  }
}

/** Node's headers as a Fetch init, as Yoga's adapter passes them. */
function headersOf(req: IncomingMessage): Record<string, string> {
  return req.headers as Record<string, string>;
}

/** The whole body as text, or undefined when the request ended before it did. */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('close', () => {
      if (!req.complete) resolve(undefined);
    });
  });
}
