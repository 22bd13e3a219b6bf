/**
 * Rate limiting: each caller gets `RATE_LIMIT_REQUESTS` GraphQL requests per
 * `RATE_LIMIT_WINDOW_S`, counted by rate-limiter-flexible. A caller is the token's subject
 * when there is a verified token, else the client's IP (so refused tokens count too).
 * In memory by default; in Redis when `REDIS_URL` is set, so that every replica counts
 * against one limit. Should Redis fail, each process goes on counting in memory rather
 * than refusing everybody or nobody.
 */
import type { IncomingMessage } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { Plugin, YogaLogger } from 'graphql-yoga';
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { rateLimited } from '../errors/graph-errors.js';
import { viewerOf } from './authentication.js';

/** Requests per caller: the token's subject, else the client's IP. */
export interface RateLimitSettings {
  /** Requests per window; 0: no limit (a production start without one says so). @default 0 (`RATE_LIMIT_REQUESTS`) */
  readonly requests: number;
  /** @default 60 (`RATE_LIMIT_WINDOW_S`) */
  readonly windowS: number;
  /**
   * Whether the client's IP is the last address of `x-forwarded-for` (the one the proxy in
   * front of the graph added) rather than the connection's peer. Only behind such a proxy.
   * @default off (`TRUST_PROXY`: `on` or `off`)
   */
  readonly trustProxy: boolean;
}

export interface RateLimiter {
  readonly plugin: Plugin<Record<string, unknown>, { req: IncomingMessage }>;
  /**
   * Counts a request that never reached the graph (too slow to arrive) against its client:
   * by its headers when they arrived (so `TRUST_PROXY` is honoured), else by the connection's
   * peer, unless that is the trusted proxy, which speaks for everyone.
   */
  charge(req: IncomingMessage | undefined, peer: string | undefined): void;
  /**
   * Counts a request that authentication refused against its client's IP (so that guessing
   * tokens is limited too): the rate limit's refusal when that IP is past its limit.
   */
  readonly chargeRefusal: (req: IncomingMessage) => Promise<Error | undefined>;
  /**
   * Resolves once the shared count can be reached (at once in memory), or after `timeoutMs`:
   * until then each process counts alone, so a replica should not take traffic before.
   */
  connected(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/** The client's address: the connection's peer, or what the trusted proxy in front says it saw. */
export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for'];
    const last = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',').pop()?.trim();
    if (last) return last;
  }
  return req.socket.remoteAddress ?? 'unknown';
}

export function createRateLimiter(
  settings: RateLimitSettings,
  redis: { url: string | undefined; prefix: string },
  logger: YogaLogger,
): RateLimiter {
  if (settings.requests === 0)
    return {
      plugin: {},
      charge: () => undefined,
      chargeRefusal: () => Promise.resolve(undefined),
      connected: () => Promise.resolve(true),
      close: () => Promise.resolve(),
    };
  const options = { points: settings.requests, duration: settings.windowS };
  let client: Redis | undefined;
  let closing = false;
  let limiter: RateLimiterAbstract;
  if (redis.url === undefined) {
    limiter = new RateLimiterMemory(options);
  } else {
    // No offline queue: a command while Redis is away fails at once and the fallback counts.
    client = new Redis(redis.url, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: false });
    // Told once per change, not once per failed command or reconnection attempt.
    let reachable = true;
    client.on('error', () => undefined);
    client.on('close', () => {
      if (!reachable || closing) return;
      reachable = false;
      logger.warn('rate limit: Redis is unreachable, each process counts alone until it is back');
    });
    client.on('ready', () => {
      if (reachable) return;
      reachable = true;
      logger.info('rate limit: Redis is reachable again, the limit is shared');
    });
    limiter = new RateLimiterRedis({
      ...options,
      storeClient: client,
      keyPrefix: `${redis.prefix}-rate`,
      insuranceLimiter: new RateLimiterMemory(options),
    });
  }
  /** Counts one request of `key`: the refusal when it is past the limit. */
  const consume = async (key: string): Promise<Error | undefined> => {
    try {
      await limiter.consume(key);
      return undefined;
    } catch (error) {
      // Anything else is the store failing past its fallback: serve rather than refuse.
      return error instanceof RateLimiterRes ? rateLimited(error.msBeforeNext) : undefined;
    }
  };
  return {
    plugin: {
      // A refusal is thrown: it ends the operation's parameter hooks (see authentication.ts).
      async onParams({ request, context }) {
        const viewer = viewerOf(request);
        const refusal = await consume(viewer === undefined ? `ip:${clientIp(context.req, settings.trustProxy)}` : `sub:${viewer.userId}`);
        if (refusal !== undefined) throw refusal;
      },
    },
    chargeRefusal: (req) => consume(`ip:${clientIp(req, settings.trustProxy)}`),
    charge: (req, peer) => {
      const ip = req !== undefined ? clientIp(req, settings.trustProxy) : settings.trustProxy ? undefined : peer;
      if (ip !== undefined) limiter.consume(`ip:${ip}`).catch(() => undefined);
    },
    connected: async (timeoutMs) => {
      if (client === undefined || client.status === 'ready') return true;
      // Not `once(client, 'ready')`: it rejects on the first 'error' (Redis down at start), and
      // the start would crash instead of going on with per-process counting.
      const ready = new Promise<boolean>((resolve) => client.once('ready', () => resolve(true)));
      return Promise.race([ready, delay(timeoutMs, false, { ref: false })]);
    },
    close: () => {
      closing = true;
      client?.disconnect();
      return Promise.resolve();
    },
  };
}
