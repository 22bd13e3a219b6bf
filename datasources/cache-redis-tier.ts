/**
 * The upstream cache's tier shared by every replica (`UPSTREAM_CACHE=redis`): entries, and the
 * versions of the tags our writes bump, in Redis. It is an optimisation, never a dependency:
 * every command has a short time limit and no offline queue, a failure is an answer of its own
 * (`undefined`: the read goes on as with the cache off), it is logged at most once a second, and
 * the tier is used again as soon as Redis answers.
 *
 * Redis may also hold the order saga and BullMQ's queue, which need `noeviction`; so the cache
 * bounds itself: every entry expires (its `timeToLive`, at most a day), and its bytes are counted
 * in an index (a sorted set by expiry); a put that would pass `maxBytes` first drops the entries
 * nearest their end, in one script, without a key scan. `UPSTREAM_CACHE_REDIS_URL` may point the
 * cache at a Redis of its own.
 */
import type { YogaLogger } from 'graphql-yoga';
import { Redis } from 'ioredis';

export interface RedisTierSettings {
  readonly url: string;
  /** Namespace of every key (`REDIS_PREFIX`). */
  readonly prefix: string;
  /** Bytes the cache's entries may take in Redis, all services together. @default 67108864 (`UPSTREAM_CACHE_REDIS_MAX_BYTES`) */
  readonly maxBytes: number;
  /** Time limit of one command. @default 250 */
  readonly commandTimeoutMs?: number;
}

/** An entry as Redis holds it: JSON, nothing of the caller's but the hash its key is made of. */
export interface StoredEntry {
  readonly policy: unknown;
  readonly status: number;
  readonly route: string;
  /** The body (a whole answer), or the item's JSON. */
  readonly body: string;
  readonly item: boolean;
  readonly requested: string;
  readonly tags: readonly string[];
  readonly versions: readonly number[];
  readonly varied: string;
  readonly staleIfError: number;
}

/** Longest an entry stays in Redis; a tag's version outlives every entry filled under it. */
const MAX_ENTRY_TTL_MS = 24 * 3600 * 1000;
const TAG_TTL_S = 7 * 24 * 3600;

/**
 * KEYS: entry, index, bytes. ARGV: value, ttl ms, now ms, max bytes.
 * Drops what has expired from the index, then the entries nearest their end until the new one
 * fits, then stores it; the entry's size and expiry are its index member and score.
 */
const PUT = `
local size = string.len(ARGV[1])
local now = tonumber(ARGV[3])
local max = tonumber(ARGV[4])
if size > max then return 0 end
local function drop(member)
  local sep = string.find(member, '|', 1, true)
  redis.call('DECRBY', KEYS[3], tonumber(string.sub(member, 1, sep - 1)))
  redis.call('ZREM', KEYS[2], member)
  return string.sub(member, sep + 1)
end
for _, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)) do drop(member) end
local old = redis.call('GET', KEYS[1] .. ':m')
if old then redis.call('DEL', drop(old) .. ':m') end
while (tonumber(redis.call('GET', KEYS[3]) or '0') + size) > max do
  local first = redis.call('ZRANGE', KEYS[2], 0, 0)
  if #first == 0 then break end
  local key = drop(first[1])
  redis.call('DEL', key, key .. ':m')
end
local member = size .. '|' .. KEYS[1]
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SET', KEYS[1] .. ':m', member, 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[2]), member)
redis.call('INCRBY', KEYS[3], size)
return 1
`;

export class RedisCacheTier {
  private readonly client: Redis;
  private lastComplaint = 0;

  constructor(
    private readonly settings: RedisTierSettings,
    private readonly logger: YogaLogger,
    /** Told of every command that failed (Redis away, slow, full): the read bypassed the tier. */
    private readonly unavailable: () => void = () => undefined,
  ) {
    this.client = new Redis(settings.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: settings.commandTimeoutMs ?? 250,
      // Reconnect quickly and for ever: the tier resumes as soon as Redis answers.
      retryStrategy: (times) => Math.min(times * 50, 1000),
    });
    this.client.on('error', (error: Error) => this.complain(error));
    this.client.defineCommand('cachePut', { numberOfKeys: 3, lua: PUT });
  }

  /** Resolves true once connected, or false after `timeoutMs` (the tier is used whenever Redis answers anyway). */
  connected(timeoutMs: number): Promise<boolean> {
    if (this.client.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.client.off('ready', ready);
        resolve(false);
      }, timeoutMs);
      const ready = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.client.once('ready', ready);
    });
  }

  /** The current versions of `tags`, or `undefined` when Redis cannot tell now. */
  async versions(tags: readonly string[]): Promise<number[] | undefined> {
    if (tags.length === 0) return [];
    try {
      const values = await this.client.mget(...tags.map((tag) => this.tagKey(tag)));
      return values.map((value) => (value === null ? 0 : Number(value)));
    } catch (error) {
      this.failed(error);
      return undefined;
    }
  }

  /** Bumps the versions of `tags` on every replica; false when Redis could not be told. */
  async bump(tags: readonly string[]): Promise<boolean> {
    if (tags.length === 0) return true;
    try {
      const pipeline = this.client.multi();
      for (const tag of tags) pipeline.incr(this.tagKey(tag)).expire(this.tagKey(tag), TAG_TTL_S);
      await pipeline.exec();
      return true;
    } catch (error) {
      this.failed(error);
      return false;
    }
  }

  /** The entry kept under `key`, `null` when there is none, `undefined` when Redis cannot tell now. */
  async get(key: string): Promise<StoredEntry | null | undefined> {
    try {
      const value = await this.client.get(this.entryKey(key));
      return value === null ? null : (JSON.parse(value) as StoredEntry);
    } catch (error) {
      this.failed(error);
      return undefined;
    }
  }

  /** Keeps `entry` for `ttlMs` (at most a day), within the byte bound; a failure only loses it. */
  put(key: string, entry: StoredEntry, ttlMs: number): void {
    const ttl = Math.max(1, Math.min(Math.round(ttlMs), MAX_ENTRY_TTL_MS));
    (this.client as Redis & { cachePut(...args: (string | number)[]): Promise<number> })
      .cachePut(this.entryKey(key), this.key('index'), this.key('bytes'), JSON.stringify(entry), ttl, Date.now(), this.settings.maxBytes)
      .catch((error: unknown) => this.failed(error));
  }

  close(): Promise<void> {
    this.client.disconnect();
    return Promise.resolve();
  }

  private key(name: string): string {
    return `${this.settings.prefix}:cache:${name}`;
  }

  private entryKey(key: string): string {
    return this.key(`entry:${key}`);
  }

  private tagKey(tag: string): string {
    return this.key(`tag:${tag}`);
  }

  private failed(error: unknown): void {
    this.unavailable();
    this.complain(error);
  }

  /** At most one line a second about Redis, however many commands fail. */
  private complain(error: unknown): void {
    const now = Date.now();
    if (now - this.lastComplaint < 1000) return;
    this.lastComplaint = now;
    this.logger.warn(
      `upstream cache: Redis is not answering, reads go on without its tier (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}
