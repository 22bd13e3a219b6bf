/**
 * The one way the graph talks to a REST service.
 *
 * An `Upstream` lives as long as the process: the service's keep-alive pool and settings.
 * A data source lives as long as one GraphQL request: it carries the request's id,
 * forwarded headers and abort signal, and its DataLoaders. A call is one HTTP exchange
 * under one time limit that covers everything up to the last byte of the body.
 *
 * Subclasses hold a service name, the DTO schemas and domain methods; everything about
 * HTTP, validation and error mapping happens here, once.
 */
import DataLoader from 'dataloader';
import { Pool } from 'undici';
import type { YogaLogger } from 'graphql-yoga';
import { z } from 'zod';
import type { ServiceName, UpstreamSettings } from '../server/config.js';
import { UpstreamError, type UpstreamErrorCode } from '../server/errors.js';
import { idList } from './url.js';

/** Batch endpoints take at most this many ids per call (upstream contract). */
export const MAX_BATCH_SIZE = 100;

/** Process lifetime: one per upstream service. */
export interface Upstream {
  readonly service: ServiceName;
  readonly settings: UpstreamSettings;
  readonly pool: Pool;
  readonly logger: YogaLogger;
}

export function createUpstream(
  service: ServiceName,
  url: string,
  settings: UpstreamSettings,
  logger: YogaLogger,
): Upstream {
  // `connections` bounds the calls in flight to this service from the whole process:
  // a list of a thousand users never opens a thousand sockets to a service without a batch endpoint.
  const pool = new Pool(url, { connections: settings.maxConcurrency, pipelining: 1 });
  return { service, settings, pool, logger };
}

/** Request lifetime: what every call made for one GraphQL request carries. */
export interface RequestScope {
  readonly requestId: string;
  /** The caller's `authorization` header, forwarded to the services that take it. */
  readonly authorization: string | undefined;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
}

interface UpstreamResponse {
  readonly status: number;
  readonly body: Buffer;
}

class ResponseTooLargeError extends Error {
  override readonly name = 'ResponseTooLargeError';
}

export abstract class HttpDataSource {
  /** Whether the caller's `authorization` header is forwarded to this service. */
  protected abstract readonly forwardsAuthorization: boolean;

  constructor(
    protected readonly upstream: Upstream,
    protected readonly scope: RequestScope,
  ) {}

  protected get service(): ServiceName {
    return this.upstream.service;
  }

  /**
   * GETs a JSON document and validates it against `schema`.
   * With `notFound: 'null'`, a 404 is an answer (`null`), not a failure.
   */
  protected async getJson<T>(path: string, schema: z.ZodType<T>, options: { notFound: 'null' }): Promise<T | null>;
  protected async getJson<T>(path: string, schema: z.ZodType<T>): Promise<T>;
  protected async getJson<T>(path: string, schema: z.ZodType<T>, options?: { notFound: 'null' }): Promise<T | null> {
    const response = await this.exchange('GET', path);
    if (response.status === 404 && options?.notFound === 'null') return null;
    if (response.status < 200 || response.status > 299) throw this.statusError(response.status);
    return this.parse(response, schema);
  }

  /**
   * GETs a batch endpoint answering `{[envelope]: [item, ...]}` and returns the items by id.
   * An item that fails validation fails only its own id; ids the service left out are absent.
   */
  protected async getBatch<K extends string, T extends Record<K, string>>(
    path: string,
    envelope: string,
    itemSchema: z.ZodType<T>,
    idField: K,
  ): Promise<Map<string, T | Error>> {
    const response = await this.exchange('GET', path);
    if (response.status < 200 || response.status > 299) throw this.statusError(response.status);
    const body = this.parse(response, z.object({ [envelope]: z.array(z.unknown()) }));
    const items = body[envelope] as unknown[];
    const found = new Map<string, T | Error>();
    for (const raw of items) {
      const item = itemSchema.safeParse(raw);
      if (item.success) {
        found.set(item.data[idField], item.data);
        continue;
      }
      const id = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[idField] : undefined;
      if (typeof id === 'string') found.set(id, this.fail('UPSTREAM_BAD_RESPONSE', response.status, item.error));
    }
    return found;
  }

  /**
   * A loader for a service with a batch endpoint: keys collected in one tick are fetched
   * in calls of at most 100 ids. Keys the service does not know load as `null`; a failed
   * call fails every key it carried, as a value, so the other batches stand.
   */
  protected batchLoader<T>(fetchBatch: (ids: readonly string[]) => Promise<Map<string, T | Error>>): DataLoader<string, T | null> {
    return new DataLoader<string, T | null>(
      async (ids) => {
        try {
          const found = await fetchBatch(ids);
          return ids.map((id) => found.get(id) ?? null);
        } catch (error) {
          const failure = asError(error);
          return ids.map(() => failure);
        }
      },
      { maxBatchSize: MAX_BATCH_SIZE },
    );
  }

  /**
   * A loader for a resource served both as `GET {collection}/{id}` and as
   * `GET {collection}?ids=a,b` answering `{[envelope]: [...]}`: a lone key takes the
   * single form (a 404 is `null`), more keys the batch form.
   */
  protected entityLoader<T extends { id: string }>(collection: string, envelope: string, schema: z.ZodType<T>): DataLoader<string, T | null> {
    return this.batchLoader(async (ids) => {
      if (ids.length > 1) return this.getBatch(`${collection}?${idList('ids', ids)}`, envelope, schema, 'id');
      const id = ids[0]!;
      const item = await this.getJson(`${collection}/${encodeURIComponent(id)}`, schema, { notFound: 'null' });
      return new Map(item === null ? [] : [[id, item]]);
    });
  }

  /**
   * A loader for a service without a batch endpoint: one call per distinct key, all started
   * at once (the upstream's pool bounds how many are in flight). The batch answers when its
   * last call does, so that what the answers lead to (e.g. the stock of every order's items)
   * is again collected into one batch.
   */
  protected singleLoader<K, T>(fetchOne: (key: K) => Promise<T>, cacheKeyFn?: (key: K) => string): DataLoader<K, T, string | K> {
    return new DataLoader<K, T, string | K>(
      (keys) => Promise.all(keys.map((key) => fetchOne(key).catch(asError))),
      cacheKeyFn === undefined ? {} : { cacheKeyFn },
    );
  }

  /** One HTTP exchange under the call's time limit, body included, and the size cap. */
  private async exchange(method: 'GET', path: string): Promise<UpstreamResponse> {
    const { settings, pool } = this.upstream;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), settings.timeoutMs);
    let status: number | undefined;
    try {
      const response = await pool.request({
        method,
        path,
        headers: this.headers(),
        signal: AbortSignal.any([deadline.signal, this.scope.signal]),
      });
      status = response.statusCode;
      const declared = Number(response.headers['content-length']);
      if (declared > settings.maxResponseBytes) {
        response.body.destroy();
        throw new ResponseTooLargeError(`content-length ${declared}`);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > settings.maxResponseBytes) {
          response.body.destroy();
          throw new ResponseTooLargeError(`more than ${settings.maxResponseBytes} bytes`);
        }
        chunks.push(chunk);
      }
      return { status, body: Buffer.concat(chunks, size) };
    } catch (error) {
      if (error instanceof ResponseTooLargeError) throw this.fail('UPSTREAM_BAD_RESPONSE', status, error);
      if (deadline.signal.aborted) throw this.fail('UPSTREAM_TIMEOUT', status, error);
      throw this.fail('UPSTREAM_UNAVAILABLE', status, error);
    } finally {
      clearTimeout(timer);
    }
  }

  private headers(): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json', 'x-request-id': this.scope.requestId };
    if (this.forwardsAuthorization && this.scope.authorization !== undefined) {
      headers.authorization = this.scope.authorization;
    }
    return headers;
  }

  private parse<T>(response: UpstreamResponse, schema: z.ZodType<T>): T {
    let json: unknown;
    try {
      json = JSON.parse(response.body.toString('utf8'));
    } catch (error) {
      throw this.fail('UPSTREAM_BAD_RESPONSE', response.status, error);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw this.fail('UPSTREAM_BAD_RESPONSE', response.status, parsed.error);
    return parsed.data;
  }

  private statusError(status: number): UpstreamError {
    if (status >= 500) return this.fail('UPSTREAM_UNAVAILABLE', status);
    if (status >= 400) return this.fail('UPSTREAM_REJECTED', status);
    return this.fail('UPSTREAM_BAD_RESPONSE', status);
  }

  /** Builds the client-facing error and logs what the client must not see. */
  private fail(code: UpstreamErrorCode, upstreamStatus: number | undefined, cause?: unknown): UpstreamError {
    this.upstream.logger.warn(
      `upstream ${this.service} failed: ${code}`,
      { requestId: this.scope.requestId, upstreamStatus, cause: describe(cause) },
    );
    return new UpstreamError(code, this.service, { upstreamStatus, cause });
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function describe(cause: unknown): string | undefined {
  if (cause === undefined) return undefined;
  if (cause instanceof z.ZodError) return cause.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${cause.message}` : cause.message;
  }
  return String(cause);
}
