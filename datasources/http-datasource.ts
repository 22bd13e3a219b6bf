/**
 * The one way the graph talks to a REST service.
 *
 * An `Upstream` (upstream.ts) lives as long as the process: pool, cache, call policy, and the
 * pipeline every call runs through (call-pipeline.ts: retry → observe → breaker → limit → attempt
 * → cache, read top to bottom in one place). A data source lives as long as one GraphQL request:
 * it carries the request's scope (id, forwarded headers, deadline, abort signal) and its
 * DataLoaders. This base class holds what every service shares: the loaders, the reading of
 * answers (status, JSON, validation), the headers it sends, and the errors of an answer.
 *
 * Subclasses hold a service name, the generated shapes they read with and the domain methods.
 */
import DataLoader from 'dataloader';
import { z } from 'zod';
import type { ServiceName } from '../errors/service-name.js';
import type { UpstreamError } from '../errors/upstream-error.js';
import { withJson, type ErrorOf, type ItemsOfAnswer, type UpstreamRequest, type UpstreamResponse } from './attempt.js';
import type { Caller } from './call-pipeline.js';
import { errorDetail } from './error-body.js';
import type { RequestScope } from './request-scope.js';
import type { Upstream } from './upstream.js';
import { encodeId, invalidId, isValidId, splitByUrlLength } from './url.js';

/** How a GET is made: its route template, the cache tags of the data it shows, and its items (upstream-cache.ts). */
interface GetOptions {
  readonly route: string;
  readonly tags?: readonly string[];
  readonly items?: ItemsOfAnswer;
}

/** A batch answer's items of the promised shape, by id: what the cache may keep of it. */
function itemsOf<K extends string, T extends Record<K, string>>(
  envelope: string,
  idField: K,
  schema: z.ZodType<T>,
): (json: unknown) => Map<string, unknown> {
  return (json) => {
    const kept = new Map<string, unknown>();
    const list = (json as Record<string, unknown> | null)?.[envelope];
    if (!Array.isArray(list)) return kept;
    for (const raw of list) {
      const item = schema.safeParse(raw);
      if (item.success) kept.set(item.data[idField], item.data);
    }
    return kept;
  };
}

/** A single answer as the one item it is, when it is of the promised shape. */
function oneItem<T extends { id: string }>(id: string, schema: z.ZodType<T>, json: unknown): Map<string, unknown> {
  const item = schema.safeParse(json);
  return item.success && item.data.id === id ? new Map<string, unknown>([[id, item.data]]) : new Map<string, unknown>();
}

/** Batch endpoints take at most this many ids per call (upstream contract). */
export const MAX_BATCH_SIZE = 100;

export abstract class HttpDataSource implements Caller {
  /** Whether the caller's `authorization` header is forwarded to this service. */
  protected abstract readonly forwardsAuthorization: boolean;

  constructor(
    protected readonly upstream: Upstream,
    readonly scope: RequestScope,
  ) {}

  protected get service(): ServiceName {
    return this.upstream.service;
  }

  /**
   * GETs a JSON document and validates it against `schema`.
   * With `notFound: 'null'`, a 404 is an answer (`null`), not a failure.
   */
  protected getJson<T>(path: string, schema: z.ZodType<T>, options: GetOptions & { notFound: 'null' }): Promise<T | null>;
  protected getJson<T>(path: string, schema: z.ZodType<T>, options: GetOptions): Promise<T>;
  protected getJson<T>(path: string, schema: z.ZodType<T>, options: GetOptions & { notFound?: 'null' }): Promise<T | null> {
    const { route, tags, items } = options;
    // One promise on top of the call's (an async function awaiting it made two).
    const request = {
      method: 'GET',
      path,
      route,
      answer: schema,
      ...(tags === undefined ? {} : { tags }),
      ...(items === undefined ? {} : { items }),
    } as const;
    return this.call(request).then((response) => {
      if (response.status === 404 && options.notFound === 'null') return null;
      if (response.status < 200 || response.status > 299) throw this.statusError(response);
      return this.parse(response, schema);
    });
  }

  /**
   * GETs a batch endpoint `{path}?{param}=a,b,c` answering `{[envelope]: [item, ...]}` and
   * returns the items by id. Ids are sent in as few calls as the URL length limit allows,
   * all at once. An item that fails validation fails only its own id, a failed call only
   * the ids it carried; ids the service left out are absent.
   */
  protected async getBatch<K extends string, T extends Record<K, string>>(
    batch: { path: string; param: string; ids: readonly string[]; envelope: string; idField: K; tagOf?: (id: string) => string },
    itemSchema: z.ZodType<T>,
  ): Promise<Map<string, T | Error>> {
    const { cache } = this.upstream;
    const items = { collection: batch.path, route: batch.path, ...(batch.tagOf === undefined ? {} : { tagOf: batch.tagOf }) };
    // Items the cache holds for this caller are not asked again (upstream-cache.ts): the kept ones were of the item's shape.
    const held = cache === undefined ? undefined : await cache.cachedItems({ ...items, ids: batch.ids }, this);
    const found = new Map<string, T | Error>(held as Map<string, T> | undefined);
    const missing = found.size === 0 ? batch.ids : batch.ids.filter((id) => !found.has(id));
    if (missing.length === 0) return found;
    const keep = cache === undefined ? undefined : { ...items, of: itemsOf(batch.envelope, batch.idField, itemSchema) };
    const calls = splitByUrlLength(batch.path, batch.param, missing, this.upstream.settings.maxUrlLength);
    await Promise.all(
      calls.map(async ({ url, ids }) => {
        try {
          const tags = batch.tagOf === undefined ? undefined : ids.map(batch.tagOf);
          for (const [id, item] of await this.getBatchPart(
            {
              url,
              route: batch.path,
              size: ids.length,
              ...(tags === undefined ? {} : { tags }),
              ...(keep === undefined ? {} : { items: keep }),
            },
            batch.envelope,
            itemSchema,
            batch.idField,
          ))
            found.set(id, item);
        } catch (error) {
          // Items kept within their stale-if-error answer for ids whose call failed.
          const stale = (await cache?.cachedItems({ ...items, ids }, this, error)) ?? new Map<string, unknown>();
          for (const id of ids) found.set(id, stale.has(id) ? (stale.get(id) as T) : asError(error));
        }
      }),
    );
    return found;
  }

  private async getBatchPart<K extends string, T extends Record<K, string>>(
    part: { url: string; route: string; size: number; tags?: readonly string[]; items?: ItemsOfAnswer },
    envelope: string,
    itemSchema: z.ZodType<T>,
    idField: K,
  ): Promise<Map<string, T | Error>> {
    // The envelope is checked within the attempt (a wrong one is a sick service); each item
    // after, so that one bad item fails only its own id.
    const envelopeShape = envelopeSchema(envelope);
    const response = await this.call({
      method: 'GET',
      path: part.url,
      route: part.route,
      batchSize: part.size,
      answer: envelopeShape,
      ...(part.tags === undefined ? {} : { tags: part.tags }),
      ...(part.items === undefined ? {} : { items: part.items }),
    });
    if (response.status < 200 || response.status > 299) throw this.statusError(response);
    const items = this.parse(response, envelopeShape)[envelope]!;
    const found = new Map<string, T | Error>();
    for (const raw of items) {
      const item = itemSchema.safeParse(raw);
      if (item.success) {
        found.set(item.data[idField], item.data);
        continue;
      }
      const id = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)[idField] : undefined;
      if (typeof id === 'string')
        found.set(
          id,
          this.loggedError(
            'UPSTREAM_BAD_RESPONSE',
            { failure: 'bad-response', upstreamStatus: response.status, cause: item.error },
            response.route,
          ),
        );
    }
    return found;
  }

  /**
   * A loader for a service with a batch endpoint: keys collected in one tick are fetched
   * in calls of at most 100 ids. Keys the service does not know load as `null`; a failed
   * call fails every key it carried, as a value, so the other batches stand.
   */
  protected batchLoader<T>(
    name: string,
    fetchBatch: (ids: readonly string[]) => Promise<Map<string, T | Error>>,
  ): DataLoader<string, T | null> {
    return new DataLoader<string, T | null>(
      (ids) => {
        const done = this.upstream.observer.batchDispatched(`${this.service}.${name}`, ids.length, this.scope.trace?.parent);
        // An id that cannot be sent fails its own place only.
        const valid = ids.filter(isValidId);
        const fetched = valid.length === 0 ? Promise.resolve(new Map<string, T | Error>()) : settled(() => fetchBatch(valid));
        return fetched.then(
          (found) => {
            done();
            return ids.map((id) => (isValidId(id) ? (found.get(id) ?? null) : invalidId(id)));
          },
          (error: unknown) => {
            done();
            const failure = asError(error);
            return ids.map(() => failure);
          },
        );
      },
      { maxBatchSize: MAX_BATCH_SIZE },
    );
  }

  /**
   * A loader for a resource served both as `GET {collection}/{id}` and as
   * `GET {collection}?ids=a,b` answering `{[envelope]: [...]}`: a lone key takes the
   * single form (a 404 is `null`), more keys the batch form.
   */
  protected entityLoader<T extends { id: string }>(
    collection: string,
    envelope: string,
    schema: z.ZodType<T>,
    /** The cache's tag of an entity (upstream-cache.ts), for one a write of the graph changes. */
    tagOf?: (id: string) => string,
  ): DataLoader<string, T | null> {
    return this.batchLoader(envelope, (ids) => {
      if (ids.length > 1)
        return this.getBatch(
          { path: collection, param: 'ids', ids, envelope, idField: 'id', ...(tagOf === undefined ? {} : { tagOf }) },
          schema,
        );
      return this.getEntity(collection, schema, ids[0]!, tagOf);
    });
  }

  /** One entity by `GET {collection}/{id}`, or the cache's item of it; a 404 is none. */
  private getEntity<T extends { id: string }>(
    collection: string,
    schema: z.ZodType<T>,
    id: string,
    tagOf: ((id: string) => string) | undefined,
  ): Promise<Map<string, T>> {
    const { cache } = this.upstream;
    const items = { collection, route: `${collection}/{id}`, ids: [id], ...(tagOf === undefined ? {} : { tagOf }) };
    const fetchOne = (): Promise<Map<string, T>> => {
      const keep = cache === undefined ? undefined : { ...items, of: (json: unknown) => oneItem(id, schema, json) };
      const options = {
        route: `${collection}/{id}`,
        notFound: 'null' as const,
        ...(tagOf === undefined ? {} : { tags: [tagOf(id)] }),
        ...(keep === undefined ? {} : { items: keep }),
      };
      return this.getJson(`${collection}/${encodeId(id)}`, schema, options).then(
        (item) => new Map(item === null ? [] : [[id, item]]),
        async (error: unknown) => {
          const stale = await cache?.cachedItems(items, this, error);
          if (stale?.has(id) === true) return new Map([[id, stale.get(id) as T]]);
          throw error;
        },
      );
    };
    const held = cache?.cachedItems(items, this);
    const answer = (found: Map<string, unknown> | undefined) =>
      found?.has(id) === true ? Promise.resolve(new Map([[id, found.get(id) as T]])) : fetchOne();
    return held instanceof Promise ? held.then(answer) : answer(held);
  }

  /**
   * A loader for a service without a batch endpoint: one call per distinct key, all started
   * at once (the upstream's pool bounds how many are in flight). The batch answers when its
   * last call does, so that what the answers lead to (e.g. the stock of every order's items)
   * is again collected into one batch. A key's failure is its own value.
   */
  protected singleLoader<K, T>(
    name: string,
    fetchOne: (key: K) => Promise<T>,
    cacheKeyFn?: (key: K) => string,
  ): DataLoader<K, T, string | K> {
    return new DataLoader<K, T, string | K>(
      (keys) => {
        const done = this.upstream.observer.batchDispatched(`${this.service}.${name}`, keys.length, this.scope.trace?.parent);
        // One promise a key and one for the batch (Promise.all of caught calls, then a finally, made four a key).
        return new Promise<(T | Error)[]>((resolve) => {
          const values = new Array<T | Error>(keys.length);
          let left = keys.length;
          const settle = (i: number, value: T | Error) => {
            values[i] = value;
            if (--left > 0) return;
            done();
            resolve(values);
          };
          keys.forEach((key, i) => {
            settled(() => fetchOne(key)).then(
              (value) => settle(i, value),
              (error: unknown) => settle(i, asError(error)),
            );
          });
        });
      },
      cacheKeyFn === undefined ? {} : { cacheKeyFn },
    );
  }

  /**
   * One call, as the service's pipeline runs it (call-pipeline.ts): retries, the breaker, the
   * concurrency limit, each attempt observed, the HTTP cache, a stale answer after a failure.
   */
  protected call(request: UpstreamRequest): Promise<UpstreamResponse> {
    return this.upstream.pipeline.run(request, this);
  }

  private get sendsAuthorization(): boolean {
    return this.forwardsAuthorization && this.scope.authorization !== undefined;
  }

  headers(request: Pick<UpstreamRequest, 'body' | 'idempotencyKey'>): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json', 'x-request-id': this.scope.requestId };
    if (request.body !== undefined) headers['content-type'] = 'application/json';
    if (request.idempotencyKey !== undefined) headers['idempotency-key'] = request.idempotencyKey;
    if (this.sendsAuthorization) headers.authorization = this.scope.authorization!;
    return headers;
  }

  /** The success's JSON as `schema` says, checked once: within the attempt when the request named it as its `answer`. */
  protected parse<T>(response: UpstreamResponse, schema: z.ZodType<T>): T {
    if (response.checkedBy === schema) return response.json as T;
    const parsed = schema.safeParse(withJson(response, this.loggedError).json);
    if (!parsed.success)
      throw this.loggedError(
        'UPSTREAM_BAD_RESPONSE',
        { failure: 'bad-response', upstreamStatus: response.status, cause: parsed.error },
        response.route,
      );
    return parsed.data;
  }

  /** The error for an answer that is not a success (5xx and 429 never get here: see attempt.ts). */
  protected statusError({ status, route, body }: UpstreamResponse): UpstreamError {
    if (status >= 400)
      return this.loggedError('UPSTREAM_REJECTED', { failure: 'status', upstreamStatus: status, cause: errorDetail(body) }, route);
    return this.loggedError('UPSTREAM_BAD_RESPONSE', { failure: 'bad-response', upstreamStatus: status }, route);
  }

  /** The client-facing error of a call's answer (its status, its body), logged now: the call is over. */
  protected readonly loggedError: ErrorOf = (code, details, route) => {
    const error = this.upstream.pipeline.errorOf(code, details, route);
    this.upstream.pipeline.logFailure(error, route, [], this.scope.requestId);
    return error;
  };
}

/**
 * What `fetch` answers, a throw of its own as a rejection (as an async function would). Not
 * `Promise.try`: it wraps the answer in a promise of its own, resolved from this one two turns of the
 * queue later, which is what the loaders' one promise a call was made to avoid.
 */
function settled<T>(fetch: () => Promise<T>): Promise<T> {
  try {
    return fetch();
  } catch (error) {
    return Promise.reject(asError(error));
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** `{[envelope]: [...]}`, one schema per envelope name: a zod schema is compiled when first used, which is costly per call. */
const envelopeSchemas = new Map<string, z.ZodType<Record<string, unknown[]>>>();
function envelopeSchema(envelope: string): z.ZodType<Record<string, unknown[]>> {
  let schema = envelopeSchemas.get(envelope);
  if (schema === undefined) envelopeSchemas.set(envelope, (schema = z.object({ [envelope]: z.array(z.unknown()) })));
  return schema;
}
