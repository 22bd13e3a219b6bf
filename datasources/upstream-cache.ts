/**
 * The cache of one service's read answers, the first step of its call pipeline (call-pipeline.ts):
 * a fresh answer is served before the retry, the breaker and the limit are asked anything, and
 * identical reads in flight at once make one call.
 *
 * What is kept, and for whom, is what the answer's `Cache-Control`, `Vary` and `ETag` say (RFC
 * 9111, through http-cache-semantics), with one addition a per-caller cache may make: an answer a
 * shared cache may not keep (`private`, or given to a request with credentials) is kept for the
 * caller it was given to, keyed by a hash of the `authorization` it was sent with, never by a
 * subject alone. An answer is never kept without `Cache-Control`, with `no-store` or `Vary: *`,
 * for an error status (a 404 with freshness is kept like a 200), or when its body was not the
 * promised JSON (the attempt fails before it gets here).
 *
 * Our own writes are seen at once: every read names the data it shows as tags (`stock:p1`,
 * `orders:user:u1`), every write the tags it changes; a write bumps their versions before it is
 * sent and again once it is over, and an entry is served only while the versions it was filled
 * under (read when its call started) are still current. A read in flight during a write cannot
 * put old data back.
 *
 * Coalescing: a read that finds the same read (same path, same caller where it sends
 * credentials, same tag versions) already in flight waits for it instead of calling. The call
 * in flight belongs to none of its waiters: it is cancelled only when every waiter is gone, each
 * waiter waits within its own deadline and abort signal, and one whose deadline is later than the
 * call's (that of the request that started it) reads again alone should the call run out of time.
 */
import { createHash } from 'node:crypto';
import CachePolicy from 'http-cache-semantics';
import { LRUCache } from 'lru-cache';
import { UpstreamError } from '../errors/upstream-error.js';
import type { ItemsOfAnswer, UpstreamRequest, UpstreamResponse } from './attempt.js';
import { onAbort } from './on-abort.js';
import type { RequestScope } from './request-scope.js';
import type { ServiceName } from '../errors/service-name.js';
import type { RedisCacheTier, StoredEntry } from './cache-redis-tier.js';

/** How a read met the cache: metrics and the developer's call list say it. */
export type CacheResult = 'hit' | 'miss' | 'stale' | 'revalidated' | 'coalesced' | 'bypass';

export interface UpstreamCacheSettings {
  readonly service: ServiceName;
  /** Memory of the in-process tier, in bytes (approximate: the bodies, twice over for their parsed JSON). */
  readonly maxBytes: number;
  /** Largest answer kept. */
  readonly maxEntryBytes: number;
  /** Authentication is on: a private answer to a request without credentials is not kept. */
  readonly authentication: boolean;
  /** The tier every replica shares (`UPSTREAM_CACHE=redis`): entries and tag versions in Redis. */
  readonly shared?: RedisCacheTier;
}

/** Told of every read that met the cache, and of every write's invalidation. */
export interface CacheObserver {
  lookup(result: CacheResult, tier?: 'memory' | 'redis'): void;
  invalidated(tags: number): void;
}

/** The caller as the cache sees it: the headers its call sends, and its request's limits. */
export interface CacheCaller {
  readonly scope: RequestScope;
  headers(request: Pick<UpstreamRequest, 'body' | 'idempotencyKey'>): Record<string, string>;
}

/** A call through the rest of the pipeline (retry, breaker, limit, attempt), for `caller`, with `extraHeaders`. */
export type Fill = (request: UpstreamRequest, caller: CacheCaller, extraHeaders: Record<string, string>) => Promise<UpstreamResponse>;

const NO_HEADERS: Record<string, string> = Object.freeze({});

/** How long a stale entry with an `ETag` is kept for revalidation (the memory bound evicts it sooner when needed). */
const REVALIDATABLE_FOR_MS = 10 * 60 * 1000;

/** Request headers that are the call's own, not the caller's: left out of what answers vary by. */
const CALL_OWN_HEADERS = new Set(['x-request-id', 'traceparent', 'tracestate', 'idempotency-key', 'content-type']);

interface Entry {
  /** Where it is kept: the request's path, or `collection#id` for an item. */
  readonly path: string;
  /** The path of the request whose answer it is (what its policy was made for). */
  readonly requested: string;
  readonly policy: CachePolicy;
  readonly response: UpstreamResponse;
  readonly tags: readonly string[];
  /** The tags' versions when the call that filled it started. */
  readonly versions: readonly number[];
  /** The values of the headers its `Vary` names, as the request that got it sent them. */
  readonly varied: string;
  /** Seconds past freshness it may still be served after a failure (`stale-if-error`); 0 with must-revalidate. */
  readonly staleIfError: number;
  readonly size: number;
}

/** The items of a collection a read would ask for. */
interface ItemsRequest {
  readonly collection: string;
  readonly route: string;
  readonly ids: readonly string[];
  readonly tagOf?: (id: string) => string;
}

/** A read as the cache sees it. */
interface ReadContext {
  readonly request: UpstreamRequest;
  readonly caller: CacheCaller;
  /** The headers the call sends. */
  readonly sent: Record<string, string>;
  /** The private scope of the caller, when it has one (scopeOf). */
  readonly scope: string | undefined;
  readonly cacheRequest: CachePolicy.Request;
  readonly tags: readonly string[];
}

/** The tag a purge of the service bumps: its version is the last of every entry's. */
const GENERATION_TAG = '~generation';

interface InFlight {
  readonly versions: readonly number[];
  /** When the call gives up (the deadline of the request that started it). */
  readonly deadline: number;
  readonly answer: Promise<Answer>;
  readonly controller: AbortController;
  waiters: number;
  settled: boolean;
}

interface Answer {
  readonly response: UpstreamResponse;
  readonly result: CacheResult;
}

/**
 * Versions of tags: a write bumps a tag to a new number from one counter; a tag never bumped, or
 * forgotten (the map is bounded), reads as the floor, which only rises. So an entry filled before
 * a write of any of its tags never matches the versions after it.
 */
export class TagVersions {
  private counter = 0;
  private floor = 0;
  private readonly versions = new LRUCache<string, number>({
    max: 100_000,
    dispose: (version, _tag, reason) => {
      if (reason === 'evict') this.floor = Math.max(this.floor, version);
    },
  });

  current(tags: readonly string[]): number[] {
    return tags.map((tag) => this.versions.get(tag) ?? this.floor);
  }

  bump(tags: readonly string[]): void {
    for (const tag of tags) this.versions.set(tag, ++this.counter);
  }
}

export class UpstreamCache {
  private readonly entries: LRUCache<string, Entry>;
  private readonly inFlight = new Map<string, InFlight>();
  /** Route templates whose last answer carried no `Cache-Control` (see `pass`). */
  private readonly passing = new Set<string>();
  private readonly versions = new TagVersions();
  /** When each purged path was purged: a fill started before is not kept. */
  private readonly purgedAt = new LRUCache<string, number>({ max: 10_000 });
  /**
   * Bumped by a purge of the service: every entry carries the one it was filled under, last of its
   * versions, so neither an entry nor a fill of before the purge is ever served after it.
   */
  private generation = 0;

  constructor(
    private readonly settings: UpstreamCacheSettings,
    private readonly observer: CacheObserver,
    /** The client-facing error of a wait that ended without an answer. */
    private readonly failure: (code: 'UPSTREAM_TIMEOUT' | 'UPSTREAM_UNAVAILABLE', failure: 'deadline' | 'aborted') => UpstreamError,
  ) {
    this.entries = new LRUCache<string, Entry>({ maxSize: settings.maxBytes, sizeCalculation: (entry) => entry.size });
  }

  /** Bytes the in-process tier holds now. */
  get bytes(): number {
    return this.entries.calculatedSize;
  }

  /**
   * A GET: from the cache when an entry allows, else through `fill` (once for every identical
   * read in flight), the answer kept as it allows; a stale entry with an `ETag` is revalidated,
   * and one within `stale-if-error` answers when the call fails.
   */
  read(request: UpstreamRequest, caller: CacheCaller, fill: Fill): Promise<UpstreamResponse> {
    if (this.passing.has(request.route)) return this.pass(request, caller, fill);
    const sent = caller.headers(request);
    let cacheRequest: CachePolicy.Request | undefined;
    const read: ReadContext = {
      request,
      // A GET's headers are the same at every attempt: made once, for the lookup and for the call.
      caller: { scope: caller.scope, headers: () => sent },
      sent,
      scope: scopeOf(sent.authorization, this.settings.authentication),
      // Made when first needed: a lookup in an empty cache, or an answer without Cache-Control, never needs it.
      get cacheRequest() {
        return (cacheRequest ??= cacheRequestOf(request.path, sent));
      },
      tags: request.tags ?? [],
    };
    const versions = this.currentVersions(read.tags);
    if (Array.isArray(versions)) return this.readAt(read, versions, fill);
    return versions.then((known) => (known === undefined ? this.bypass(read, fill) : this.readAt(read, known, fill)));
  }

  /**
   * The tags' versions, the service's purge generation last: at once in memory, from Redis when
   * shared (`undefined`: Redis cannot tell).
   */
  private currentVersions(tags: readonly string[]): number[] | Promise<number[] | undefined> {
    const { shared } = this.settings;
    if (shared === undefined) return [...this.versions.current(tags), this.generation];
    return shared.versions([...tags.map((tag) => this.sharedTag(tag)), this.sharedTag(GENERATION_TAG)]);
  }

  /**
   * A read of a route whose last answer carried no `Cache-Control`: nothing of it may be reused or
   * shared, so it goes straight to the call (no lookup, no joining: an answer that may not be
   * reused may not be shared with another read either). Its answer says whether the route is
   * cacheable again ("hit-for-pass", as Varnish has it).
   */
  private pass(request: UpstreamRequest, caller: CacheCaller, fill: Fill): Promise<UpstreamResponse> {
    return fill(request, caller, NO_HEADERS).then((response) => {
      if (response.headers?.['cache-control'] !== undefined) this.passing.delete(request.route);
      return response;
    });
  }

  /** Redis cannot tell the versions: the read goes on as with the cache off (no entry served, none kept). */
  private bypass(read: ReadContext, fill: Fill): Promise<UpstreamResponse> {
    this.observer.lookup('bypass', 'redis');
    return fill(read.request, read.caller, {});
  }

  private readAt(read: ReadContext, versions: readonly number[], fill: Fill): Promise<UpstreamResponse> {
    const found = this.entries.size === 0 ? {} : this.lookup(read.request.path, read.scope, read.cacheRequest, versions, read.tags);
    if (found.fresh !== undefined || this.settings.shared === undefined) return this.answerOrFill(read, versions, fill, found, 'memory');
    return this.lookupShared(read.request.path, read.scope, read.cacheRequest, versions, read.tags).then((remote) =>
      this.answerOrFill(
        read,
        versions,
        fill,
        {
          ...remote,
          ...(found.stale === undefined ? {} : { stale: found.stale }),
          ...(remote.fresh === undefined ? {} : { fresh: remote.fresh }),
        },
        remote.fresh === undefined ? 'memory' : 'redis',
      ),
    );
  }

  /** A fresh entry's answer, or the same read in flight joined, or a call started for it. */
  private answerOrFill(
    read: ReadContext,
    versions: readonly number[],
    fill: Fill,
    found: { fresh?: Entry; stale?: Entry },
    tier: 'memory' | 'redis',
  ): Promise<UpstreamResponse> {
    const { request, caller, sent } = read;
    if (found.fresh !== undefined) {
      this.observer.lookup('hit', tier);
      this.listed(caller.scope, request, found.fresh.response.status, tier, performance.now());
      return Promise.resolve(cached(found.fresh.response));
    }
    // Callers that send different credentials never share a call.
    const key = `${request.path}\n${sent.authorization === undefined ? '' : digest(sent.authorization)}`;
    const running = this.inFlight.get(key);
    if (running !== undefined && !running.settled && sameVersions(running.versions, versions)) {
      this.observer.lookup('coalesced');
      // Should the call fail on the deadline of the request that started it, this one tries again within its own.
      return this.wait(running, request, caller.scope, () => this.read(request, caller, fill));
    }
    const { stale } = found;
    // The call runs within the deadline of the request that starts it, and for whoever waits: cancelled when none does.
    const { deadline } = caller.scope;
    const started = this.start(key, versions, deadline, (signal) =>
      this.fillAndKeep(read, versions, stale, detached(caller, deadline, signal), fill),
    );
    return this.wait(started, request, caller.scope, undefined);
  }

  /**
   * Drops what is kept (data changed out of band): every entry of the service, or those of one
   * resource (`/profiles/u1`; `/users/u1` also drops the item `u1` of `/users`), for every caller.
   * A read in flight now keeps nothing. Answers how many entries went.
   */
  async purge(path?: string): Promise<number> {
    const now = performance.now();
    // Shared: every replica's entries of the service go (a resource's purge too: Redis is not scanned for its keys).
    if (this.settings.shared !== undefined) await this.settings.shared.bump([this.sharedTag(GENERATION_TAG)]);
    if (path === undefined) {
      const count = this.entries.size;
      this.entries.clear();
      this.generation += 1;
      return count;
    }
    const slash = path.lastIndexOf('/');
    const paths = [path];
    if (slash > 0) paths.push(itemPath(path.slice(0, slash), safeDecode(path.slice(slash + 1))));
    let count = 0;
    for (const each of paths) {
      this.purgedAt.set(each, now);
      for (const key of [...this.entries.keys()]) if (key.startsWith(`${each}\n`) && this.entries.delete(key)) count += 1;
    }
    return count;
  }

  /**
   * A write's tags: their versions bumped, so that no entry filled before it is served after: in
   * this process, and on every replica when shared (done when the promise settles; Redis away, the
   * replicas bypass their tagged entries anyway, since none can read the versions).
   */
  async invalidate(tags: readonly string[]): Promise<void> {
    if (tags.length === 0) return;
    this.observer.invalidated(tags.length);
    const { shared } = this.settings;
    if (shared === undefined) this.versions.bump(tags);
    else await shared.bump(tags.map((tag) => this.sharedTag(tag)));
  }

  private sharedTag(tag: string): string {
    return `${this.settings.service}:${tag}`;
  }

  private lookup(
    path: string,
    scope: string | undefined,
    cacheRequest: CachePolicy.Request,
    versions: readonly number[],
    tags: readonly string[],
  ): { fresh?: Entry; stale?: Entry } {
    let stale: Entry | undefined;
    for (const key of keysOf(path, scope)) {
      const entry = this.entries.get(key);
      if (entry === undefined) continue;
      const verdict = judged(entry, cacheRequest, versions, tags);
      // Filled before a write of its data: never served again.
      if (verdict === 'outdated') this.entries.delete(key);
      if (verdict === 'fresh') return { fresh: entry };
      if (verdict === 'stale') stale ??= entry;
    }
    return stale === undefined ? {} : { stale };
  }

  /** As `lookup`, in the shared tier: a fresh entry found there is kept in memory too. */
  private async lookupShared(
    path: string,
    scope: string | undefined,
    cacheRequest: CachePolicy.Request,
    versions: readonly number[],
    tags: readonly string[],
  ): Promise<{ fresh?: Entry; stale?: Entry }> {
    const shared = this.settings.shared!;
    const keys = keysOf(path, scope);
    const stored = await Promise.all(keys.map((key) => shared.get(this.sharedKey(key))));
    let stale: Entry | undefined;
    for (const [i, value] of stored.entries()) {
      const entry = value === null || value === undefined ? undefined : entryOf(path, value);
      if (entry === undefined) continue;
      const verdict = judged(entry, cacheRequest, versions, tags);
      if (verdict === 'fresh') {
        this.entries.set(keys[i]!, entry, { ttl: Math.max(entry.policy.timeToLive(), 1) });
        return { fresh: entry };
      }
      if (verdict === 'stale') stale ??= entry;
    }
    return stale === undefined ? {} : { stale };
  }

  private sharedKey(key: string): string {
    return `${this.settings.service}\n${key}`;
  }

  private start(key: string, versions: readonly number[], deadline: number, run: (signal: AbortSignal) => Promise<Answer>): InFlight {
    const controller = new AbortController();
    const flight: InFlight = { versions, deadline, controller, waiters: 0, settled: false, answer: run(controller.signal) };
    this.inFlight.set(key, flight);
    const done = () => {
      flight.settled = true;
      if (this.inFlight.get(key) === flight) this.inFlight.delete(key);
    };
    flight.answer.then(done, done);
    return flight;
  }

  /** The call for the waiters: its answer kept, a 304 renewing the stale entry, a failure answered by a stale one where allowed. */
  private fillAndKeep(
    read: ReadContext,
    versions: readonly number[],
    stale: Entry | undefined,
    caller: CacheCaller,
    fill: Fill,
  ): Promise<Answer> {
    const { request } = read;
    const filledFrom = performance.now();
    const conditional = stale === undefined ? NO_HEADERS : conditionalHeaders(stale.policy, read.cacheRequest);
    return fill(request, caller, conditional).then(
      (response): Answer => {
        if (response.status === 304 && stale !== undefined) {
          const renewed = stale.policy.revalidatedPolicy(read.cacheRequest, responseOf(response));
          if (!renewed.modified) {
            this.keep({ ...stale, policy: renewed.policy, versions }, read.scope, filledFrom);
            this.observer.lookup('revalidated');
            return { response: cached(stale.response), result: 'revalidated' };
          }
        }
        this.observer.lookup('miss');
        if (response.headers?.['cache-control'] !== undefined) this.store(response, read, versions, filledFrom);
        // An answer that says nothing of reuse: the route's next reads go straight to their call (`pass`).
        else if (response.status >= 200 && response.status < 500) this.passing.add(request.route);
        return { response, result: 'miss' };
      },
      (error: unknown): Answer => {
        if (stale !== undefined && servableAfterFailure(stale, error)) {
          this.observer.lookup('stale');
          return { response: cached(stale.response), result: 'stale' };
        }
        this.observer.lookup('miss');
        throw error;
      },
    );
  }

  /** Keeps the answer (or its items) as its headers allow; `versions` and `filledFrom` are those of its call's start. */
  private store(response: UpstreamResponse, read: ReadContext, versions: readonly number[], filledFrom: number): void {
    const headers = response.headers;
    if (headers === undefined || headers['cache-control'] === undefined) return;
    if (response.status !== 200 && response.status !== 404) return;
    const answer = responseOf(response);
    const shared = new CachePolicy(read.cacheRequest, answer, { shared: true, cacheHeuristic: 0 });
    const policy = shared.storable() ? shared : new CachePolicy(read.cacheRequest, answer, { shared: false, cacheHeuristic: 0 });
    const revalidatable = headers.etag !== undefined;
    if (!policy.storable() || (policy.timeToLive() <= 0 && !revalidatable) || hasVaryStar(headers.vary)) return;
    const scope = policy === shared ? undefined : read.scope;
    if (policy !== shared && scope === undefined) return;
    const common = {
      requested: read.cacheRequest.url!,
      policy,
      varied: variedValues(policy, read.cacheRequest.headers),
      staleIfError: staleIfErrorSeconds(headers['cache-control']),
    };
    const { items } = read.request;
    if (items !== undefined) return this.storeItems(response, items, common, { tags: read.tags, versions, filledFrom }, scope);
    const size = response.body.length * 2 + 1024;
    if (size > this.settings.maxEntryBytes) return;
    this.keep(
      { ...common, path: common.requested, response: { ...response, cacheHit: false }, tags: read.tags, versions, size },
      scope,
      filledFrom,
    );
  }

  /** A batch's items (or one item's answer) kept one id at a time, each with the answer's freshness and scope and its own tag. */
  private storeItems(
    response: UpstreamResponse,
    items: ItemsOfAnswer,
    common: Pick<Entry, 'requested' | 'policy' | 'varied' | 'staleIfError'>,
    read: { tags: readonly string[]; versions: readonly number[]; filledFrom: number },
    scope: string | undefined,
  ): void {
    if (response.status !== 200 || response.json === undefined) return;
    for (const [id, item] of items.of(response.json)) {
      const tag = items.tagOf?.(id);
      const at = tag === undefined ? -1 : read.tags.indexOf(tag);
      // An item whose tag the read did not name cannot be proved fresh after a write: not kept.
      if (tag !== undefined && at === -1) continue;
      const body = Buffer.from(JSON.stringify(item));
      const size = body.length * 2 + 256;
      if (size > this.settings.maxEntryBytes) continue;
      this.keep(
        {
          ...common,
          path: itemPath(items.collection, id),
          response: { status: 200, route: response.route, body, cacheHit: false, json: item },
          tags: tag === undefined ? [] : [tag],
          // The item's tag's version, and the purge generation (the read's last).
          versions: tag === undefined ? [read.versions.at(-1)!] : [read.versions[at]!, read.versions.at(-1)!],
          size,
        },
        scope,
        read.filledFrom,
      );
    }
  }

  /**
   * The items of `collection` this caller may reuse now, by id (each one of the shape the answer
   * promised when it was kept); with `afterFailure`, stale ones within `stale-if-error` too.
   */
  cachedItems(request: ItemsRequest, caller: CacheCaller, afterFailure?: unknown): Map<string, unknown> | Promise<Map<string, unknown>> {
    if (this.settings.shared !== undefined) return this.sharedItems(request, caller, afterFailure);
    const found = new Map<string, unknown>();
    // Nothing kept yet (a service that sends no Cache-Control): nothing to look for.
    if (this.entries.size === 0) return found;
    const sent = caller.headers({});
    const scope = scopeOf(sent.authorization, this.settings.authentication);
    const cacheRequest = cacheRequestOf(request.collection, sent);
    const generation = this.generation;
    for (const id of request.ids) {
      const tags = request.tagOf === undefined ? [] : [request.tagOf(id)];
      const versions = [...this.versions.current(tags), generation];
      const { fresh, stale } = this.lookup(itemPath(request.collection, id), scope, cacheRequest, versions, tags);
      const usable =
        fresh ?? (afterFailure !== undefined && stale !== undefined && servableAfterFailure(stale, afterFailure) ? stale : undefined);
      if (usable === undefined) continue;
      found.set(id, usable.response.json);
      this.observer.lookup(fresh === undefined ? 'stale' : 'hit', 'memory');
    }
    if (found.size > 0)
      this.listed(caller.scope, { method: 'GET', route: request.route, batchSize: found.size }, 200, 'memory', performance.now());
    return found;
  }

  /** `cachedItems` with the shared tier: every id's tag version in one round trip, then memory, then Redis. */
  private async sharedItems(request: ItemsRequest, caller: CacheCaller, afterFailure?: unknown): Promise<Map<string, unknown>> {
    const sent = caller.headers({});
    const scope = scopeOf(sent.authorization, this.settings.authentication);
    const cacheRequest = cacheRequestOf(request.collection, sent);
    const tagsOf = (id: string) => (request.tagOf === undefined ? [] : [request.tagOf(id)]);
    // Every id's tag at once (one round trip when shared), the purge generation last.
    const all = await this.currentVersions(request.ids.flatMap(tagsOf));
    const found = new Map<string, unknown>();
    if (all === undefined) return found;
    const generation = all.at(-1)!;
    let tier: 'memory' | 'redis' = 'memory';
    await Promise.all(
      request.ids.map(async (id, i) => {
        const tags = tagsOf(id);
        const versions = tags.length === 0 ? [generation] : [all[i]!, generation];
        const path = itemPath(request.collection, id);
        let seen = this.lookup(path, scope, cacheRequest, versions, tags);
        if (seen.fresh === undefined && this.settings.shared !== undefined) {
          const remote = await this.lookupShared(path, scope, cacheRequest, versions, tags);
          if (remote.fresh !== undefined) tier = 'redis';
          seen = { ...seen, ...remote };
        }
        const { fresh, stale } = seen;
        const usable =
          fresh ?? (afterFailure !== undefined && stale !== undefined && servableAfterFailure(stale, afterFailure) ? stale : undefined);
        if (usable === undefined) return;
        found.set(id, usable.response.json);
        this.observer.lookup(fresh === undefined ? 'stale' : 'hit', tier);
      }),
    );
    if (found.size > 0)
      this.listed(caller.scope, { method: 'GET', route: request.route, batchSize: found.size }, 200, tier, performance.now());
    return found;
  }

  private keep(entry: Entry, scope: string | undefined, filledFrom: number): void {
    // Purged since its call started: what it brought may be what the purge was for.
    if (filledFrom <= (this.purgedAt.get(entry.path) ?? -Infinity)) return;
    const key = scope === undefined ? publicKey(entry.path) : privateKey(entry.path, scope);
    // An entry with a validator is worth keeping past its freshness: a 304 renews it for the price of an empty answer.
    const ttl = Math.max(entry.policy.timeToLive(), entry.policy.responseHeaders().etag === undefined ? 1 : REVALIDATABLE_FOR_MS);
    this.entries.set(key, entry, { ttl });
    this.settings.shared?.put(this.sharedKey(key), storedOf(entry), ttl);
  }

  /**
   * The request that started the call: its answer is the call's (whose deadline is its own). Its
   * client going away, or its halt, only makes it one waiter fewer: the call is cancelled when
   * nobody waits any more, and ends as the attempt's own abort otherwise says.
   */
  private lead(flight: InFlight, scope: RequestScope): Promise<UpstreamResponse> {
    flight.waiters += 1;
    const { calls } = scope;
    if (calls !== undefined) calls.inFlight += 1;
    let over = false;
    const leave = () => {
      if (over) return;
      over = true;
      forget();
      if (calls !== undefined) calls.inFlight -= 1;
      flight.waiters -= 1;
      if (flight.waiters === 0 && !flight.settled) flight.controller.abort();
    };
    const forget = onAbort(scope.signal, leave);
    return flight.answer.then(
      (answer) => {
        leave();
        if (answer.result === 'stale' || answer.result === 'revalidated')
          this.listed(scope, { method: 'GET', route: answer.response.route }, answer.response.status, 'memory', performance.now());
        return answer.response;
      },
      (error: unknown) => {
        leave();
        throw error;
      },
    );
  }

  /** A read the cache answered, in the request's call list (when it asked for one), beside the attempts. */
  private listed(
    scope: RequestScope,
    request: Pick<UpstreamRequest, 'method' | 'route' | 'batchSize'>,
    status: number,
    cache: 'memory' | 'redis' | 'in-flight',
    began: number,
  ): void {
    const now = performance.now();
    scope.callLog?.push({
      service: this.settings.service,
      method: request.method,
      route: request.route,
      attempt: 0,
      startMs: Math.round((began - (scope.startedAt ?? began)) * 10) / 10,
      durationMs: Math.round((now - began) * 10) / 10,
      status,
      outcome: 'ok',
      batchSize: request.batchSize ?? null,
      cacheHit: true,
      cache,
      concurrencyLimit: 0,
    });
  }

  /** One waiter: the answer of the call in flight, or its own failure when its deadline passes or its client goes first. */
  private wait(
    flight: InFlight,
    request: UpstreamRequest,
    scope: RequestScope,
    /** A waiter that joined: how it reads alone, should the call fail on a deadline sooner than its own. */
    again: (() => Promise<UpstreamResponse>) | undefined,
  ): Promise<UpstreamResponse> {
    if (again === undefined && !scope.signal.aborted) return this.lead(flight, scope);
    flight.waiters += 1;
    const began = performance.now();
    const { calls } = scope;
    if (calls !== undefined) calls.inFlight += 1;
    return new Promise<UpstreamResponse>((resolve, reject) => {
      let over = false;
      let timer: NodeJS.Timeout | undefined;
      const leave = () => {
        over = true;
        if (timer !== undefined) clearTimeout(timer);
        forget();
        if (calls !== undefined) calls.inFlight -= 1;
        flight.waiters -= 1;
        // Nobody waits any more: the call is cancelled.
        if (flight.waiters === 0 && !flight.settled) flight.controller.abort();
      };
      // The call ends by the deadline of the request that started it: a timer only for a waiter whose own comes sooner.
      if (scope.deadline < flight.deadline)
        timer = setTimeout(
          () => {
            if (over) return;
            leave();
            reject(this.failure('UPSTREAM_TIMEOUT', 'deadline'));
          },
          Math.max(0, scope.deadline - Date.now()),
        );
      const forget = scope.signal.aborted
        ? () => undefined
        : onAbort(scope.signal, () => {
            if (over) return;
            leave();
            reject(this.failure('UPSTREAM_UNAVAILABLE', 'aborted'));
          });
      if (scope.signal.aborted) {
        leave();
        reject(this.failure('UPSTREAM_UNAVAILABLE', 'aborted'));
        return;
      }
      flight.answer.then(
        ({ response, result }) => {
          if (over) return;
          leave();
          if (again !== undefined) this.listed(scope, request, response.status, 'in-flight', began);
          else if (result === 'stale' || result === 'revalidated') this.listed(scope, request, response.status, 'memory', began);
          resolve(again !== undefined ? cached(response) : response);
        },
        (error: unknown) => {
          if (over) return;
          leave();
          const sooner = error instanceof UpstreamError && error.failure === 'deadline' && Date.now() < scope.deadline;
          if (again !== undefined && sooner) return void again().then(resolve, reject);
          reject(error instanceof Error ? error : new Error(String(error)));
        },
      );
    });
  }
}

/** Where a caller's entries of `path` may be kept: its own (when it has a scope), then the shared one. */
function keysOf(path: string, scope: string | undefined): string[] {
  return scope === undefined ? [publicKey(path)] : [privateKey(path, scope), publicKey(path)];
}

/**
 * What an entry is to this read: `outdated` (filled before a write of its data, or for other
 * tags), `other` (its `Vary` names headers this read sends otherwise), `fresh` or `stale`.
 */
function judged(
  entry: Entry,
  cacheRequest: CachePolicy.Request,
  versions: readonly number[],
  tags: readonly string[],
): 'outdated' | 'other' | 'fresh' | 'stale' {
  if (!sameTags(entry.tags, tags) || !sameVersions(entry.versions, versions)) return 'outdated';
  if (entry.varied !== variedValues(entry.policy, cacheRequest.headers)) return 'other';
  const { response, revalidation } = entry.policy.evaluateRequest({ ...cacheRequest, url: entry.requested });
  return response !== undefined && revalidation === undefined ? 'fresh' : 'stale';
}

/** The caller of a call made for waiters: the first waiter's credentials, ids and deadline, and a signal of the call's own. */
function detached(caller: CacheCaller, deadline: number, signal: AbortSignal): CacheCaller {
  const { scope } = caller;
  const own: RequestScope = { ...scope, signal, deadline, calls: undefined };
  return { scope: own, headers: (request) => caller.headers(request) };
}

/** An answer as served from the cache: the same, marked. */
function cached(response: UpstreamResponse): UpstreamResponse {
  return { ...response, cacheHit: true };
}

/**
 * The scope a private answer is kept in: a hash of the exact credentials sent; without them, one
 * anonymous scope while authentication is off, none (not kept) while it is on.
 */
function scopeOf(authorization: string | undefined, authentication: boolean): string | undefined {
  if (authorization !== undefined) return digest(authorization);
  return authentication ? undefined : 'anonymous';
}

const digest = (value: string) => createHash('sha256').update(value).digest('base64url');
const publicKey = (path: string) => `${path}\npublic`;
const itemPath = (collection: string, id: string) => `${collection}#${encodeURIComponent(id)}`;
const privateKey = (path: string, scope: string) => `${path}\nprivate\n${scope}`;

/** The request as the cache policy reads it: the caller's headers, credentials as their hash (nothing secret is kept). */
function cacheRequestOf(path: string, sent: Record<string, string>): CachePolicy.Request {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(sent)) {
    if (CALL_OWN_HEADERS.has(name)) continue;
    headers[name] = name === 'authorization' ? digest(value) : value;
  }
  return { url: path, method: 'GET', headers };
}

function responseOf(response: UpstreamResponse): CachePolicy.Response {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(response.headers ?? {})) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { status: response.status, headers };
}

/** The headers a stale entry's revalidation adds (`If-None-Match`), when it has a validator. */
function conditionalHeaders(policy: CachePolicy, request: CachePolicy.Request): Record<string, string> {
  const headers = policy.revalidationHeaders(request);
  const conditional: Record<string, string> = {};
  if (headers['if-none-match'] !== undefined) conditional['if-none-match'] = String(headers['if-none-match']);
  return conditional;
}

/** The values of the request headers the entry's `Vary` names. */
function variedValues(policy: CachePolicy, headers: CachePolicy.Headers): string {
  const vary = policy.responseHeaders().vary;
  if (typeof vary !== 'string') return '';
  return vary
    .toLowerCase()
    .split(',')
    .map((name) => `${name.trim()}=${String(headers[name.trim()] ?? '')}`)
    .join('\n');
}

function hasVaryStar(vary: string | string[] | undefined): boolean {
  const value = Array.isArray(vary) ? vary.join(',') : (vary ?? '');
  return value.split(',').some((name) => name.trim() === '*');
}

function staleIfErrorSeconds(cacheControl: string | string[] | undefined): number {
  const value = (Array.isArray(cacheControl) ? cacheControl.join(',') : (cacheControl ?? '')).toLowerCase();
  if (/(^|,)\s*(must-revalidate|proxy-revalidate)\s*(,|$)/.test(value)) return 0;
  const match = /(?:^|,)\s*stale-if-error\s*=\s*"?(\d+)"?/.exec(value);
  return match === null ? 0 : Number(match[1]);
}

/** Whether a stale entry may answer a read whose call failed with `error` (RFC 5861 `stale-if-error`). */
function servableAfterFailure(entry: Entry, error: unknown): boolean {
  if (!(error instanceof UpstreamError) || error.failure === 'aborted') return false;
  return entry.staleIfError > 0 && entry.policy.maxAge() + entry.staleIfError > entry.policy.age();
}

const sameVersions = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);
const sameTags = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((t, i) => t === b[i]);

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** An entry as the shared tier holds it. */
function storedOf(entry: Entry): StoredEntry {
  const item = entry.path !== entry.requested;
  return {
    policy: entry.policy.toObject(),
    status: entry.response.status,
    route: entry.response.route,
    body: item ? JSON.stringify(entry.response.json) : entry.response.body.toString('utf8'),
    item,
    requested: entry.requested,
    tags: entry.tags,
    versions: entry.versions,
    varied: entry.varied,
    staleIfError: entry.staleIfError,
  };
}

/** The shared tier's entry as one of this process's; `undefined` when it cannot be read (another version wrote it). */
function entryOf(path: string, stored: StoredEntry): Entry | undefined {
  try {
    const policy = CachePolicy.fromObject(stored.policy as CachePolicy.CachePolicyObject);
    const body = Buffer.from(stored.body, 'utf8');
    // A whole answer's JSON is read and checked by its data source again (withJson); an item was checked when it was kept.
    const response: UpstreamResponse = stored.item
      ? { status: stored.status, route: stored.route, body, cacheHit: false, json: JSON.parse(stored.body) as unknown }
      : { status: stored.status, route: stored.route, body, cacheHit: false };
    return {
      path,
      requested: stored.requested,
      policy,
      response,
      tags: stored.tags,
      versions: stored.versions,
      varied: stored.varied,
      staleIfError: stored.staleIfError,
      size: body.length * 2 + 256,
    };
  } catch {
    return undefined;
  }
}
