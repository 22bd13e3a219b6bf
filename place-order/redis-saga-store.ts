/**
 * The saga store shared by replicas: Redis, with BullMQ for the queue.
 *
 * - A saga is a Redis hash `<prefix>:saga:<key>`, created atomically (a Lua script: only
 *   when absent) and updated field by field. It expires `ttlMs` after it finishes; dead
 *   letters and unfinished sagas never expire.
 * - Its next run is one delayed BullMQ job (queue `<prefix>-sagas`), replaced when the run
 *   time changes. BullMQ hands each job to one worker of any replica, and gives a job whose
 *   worker died to another once its lock (the lease) runs out.
 * - `order.placed` events are jobs of the queue `<prefix>-order-events`, one per event id,
 *   for whatever consumers other teams run.
 *
 * Commands fail at once when Redis is unreachable (no offline queue), so that a mutation
 * fails fast with `STATE_STORE_UNAVAILABLE` rather than waiting, and nothing is
 * acknowledged that was not stored.
 */
import { createHash } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import {
  guarded,
  readSaga,
  type ClaimResult,
  type OrderPlacedEvent,
  type SagaRecord,
  type SagaStore,
  type SagaUpdate,
} from './saga-store.js';

/** How long an operation waits for Redis to be (back) up before it fails. */
const CONNECT_WAIT_MS = 1000;

const CREATE_IF_ABSENT = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1`;

export interface RedisSagaStoreOptions {
  readonly url: string;
  /** Namespace of every key and queue, so that several graphs can share one Redis. */
  readonly prefix: string;
  readonly ttlMs: number;
  /**
   * Longest wait for one command's reply (a Redis that accepts connections but does not answer):
   * past it the command fails. The saga bounds a whole request by its deadline besides.
   * @default 1000
   */
  readonly commandTimeoutMs?: number;
}

/** Reconnection backoff of every connection: at most a second between attempts, so a Redis that is back is used again soon. */
const retryStrategy = (attempts: number): number => Math.min(attempts * 100, 1000);

type SagaHash = Record<string, string>;

function fromHash(key: string, hash: SagaHash): SagaRecord {
  return readSaga({
    key,
    fingerprint: hash.fingerprint ?? '',
    orderId: hash.orderId ?? '',
    request: hash.request ?? '',
    state: hash.state ?? '',
    progress: hash.progress ?? '',
    outcome: hash.outcome,
    attempts: hash.attempts,
    createdAt: hash.createdAt ?? '',
    updatedAt: hash.updatedAt ?? '',
  });
}

export class RedisSagaStore implements SagaStore {
  private readonly redis: Redis;
  private readonly sagas: Queue;
  private readonly orderEvents: Queue;

  constructor(private readonly options: RedisSagaStoreOptions) {
    // Fail fast while Redis is away: a write that cannot be stored must not look as if it might be.
    // The queues' connections too (BullMQ's pattern "failing fast when Redis is down"): with
    // their offline queue on, a command waited for BullMQ's own reconnection, and placeOrder took
    // 6-17 s after Redis came back, against a 3 s request budget; `/metrics` did not answer at all
    // while Redis was away.
    const failFast = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: false,
      commandTimeout: options.commandTimeoutMs ?? 1000,
      retryStrategy,
    } as const;
    this.redis = new Redis(options.url, failFast);
    // ioredis also reports a lost connection as an event; the commands report it as errors.
    this.redis.on('error', () => undefined);
    // The queues share it: one connection to watch, whose errors are heard (BullMQ's own,
    // closed while Redis was away, went on reconnecting with no one listening).
    this.sagas = new Queue(`${options.prefix}-sagas`, { connection: this.redis, prefix: options.prefix });
    this.orderEvents = new Queue(`${options.prefix}-order-events`, { connection: this.redis, prefix: options.prefix });
    for (const queue of [this.sagas, this.orderEvents]) queue.on('error', () => undefined);
  }

  /** Resolves once the command connection is up; fails after `CONNECT_WAIT_MS` if it is not. */
  private ready(): Promise<void> {
    if (this.redis.status === 'ready') return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const onReady = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.redis.off('ready', onReady);
        reject(new Error(`Redis is not reachable (connection ${this.redis.status})`));
      }, CONNECT_WAIT_MS);
      this.redis.once('ready', onReady);
    });
  }

  private hashKey(key: string): string {
    return `${this.options.prefix}:saga:${key}`;
  }

  /** Job ids may not hold every character a client's key may: a digest of it, and the run time. */
  private jobId(key: string, runAt: number): string {
    return `${createHash('sha256').update(key).digest('hex').slice(0, 32)}-${runAt}`;
  }

  async claim(record: Omit<SagaRecord, 'outcome' | 'attempts' | 'updatedAt'>, runAt: number): Promise<ClaimResult> {
    return guarded(async () => {
      await this.ready();
      const jobId = this.jobId(record.key, runAt);
      const fields = {
        fingerprint: record.fingerprint,
        orderId: record.orderId,
        request: JSON.stringify(record.request),
        state: record.state,
        progress: JSON.stringify(record.progress),
        attempts: '0',
        createdAt: String(record.createdAt),
        updatedAt: String(record.createdAt),
        job: jobId,
      };
      // Scheduled first, stored second: whatever fails in between, no record is left without
      // its next run (a run for a record that was never stored finds nothing to do).
      await this.schedule(record.key, jobId, runAt);
      const created = (await this.redis.eval(CREATE_IF_ABSENT, 1, this.hashKey(record.key), ...Object.entries(fields).flat())) === 1;
      if (created) return { created: true };
      await this.sagas.remove(jobId).catch(() => 0);
      return { created: false, existing: (await this.loadHash(record.key))! };
    });
  }

  async load(key: string): Promise<SagaRecord | undefined> {
    return guarded(async () => {
      await this.ready();
      return this.loadHash(key);
    });
  }

  private async loadHash(key: string): Promise<SagaRecord | undefined> {
    const hash = await this.redis.hgetall(this.hashKey(key));
    return Object.keys(hash).length === 0 ? undefined : fromHash(key, hash);
  }

  async update(key: string, update: SagaUpdate, event?: OrderPlacedEvent): Promise<void> {
    return guarded(async () => {
      await this.ready();
      // The event first, under its own id: published twice (after a crash) it is still one event.
      if (event !== undefined) await this.orderEvents.add(event.type, event, { jobId: event.id, removeOnComplete: 1000 });
      const now = Date.now();
      const fields: Record<string, string> = { updatedAt: String(now) };
      if (update.state !== undefined) fields.state = update.state;
      if (update.progress !== undefined) fields.progress = JSON.stringify(update.progress);
      if (update.outcome !== undefined) fields.outcome = JSON.stringify(update.outcome);
      if (update.attempts !== undefined) fields.attempts = String(update.attempts);
      const previousJob = await this.redis.hget(this.hashKey(key), 'job');
      const nextJob = update.runAt === null ? '' : this.jobId(key, update.runAt);
      fields.job = nextJob;
      // The next run first, then the record that names it: never a record without its run.
      if (update.runAt !== null) await this.schedule(key, nextJob, update.runAt);
      const write = this.redis.multi().hset(this.hashKey(key), fields);
      if (update.state === 'dead') write.sadd(`${this.options.prefix}:dead`, key);
      else if (update.state !== undefined) write.srem(`${this.options.prefix}:dead`, key);
      // Finished sagas are forgotten after the TTL; dead letters wait for an operator.
      if (update.state === 'completed' || update.state === 'refused') write.pexpire(this.hashKey(key), this.options.ttlMs);
      else if (update.state !== undefined) write.persist(this.hashKey(key));
      await write.exec();
      // The job being run right now is locked and cannot be removed: it ends by itself.
      if (previousJob !== null && previousJob !== '' && previousJob !== nextJob) await this.sagas.remove(previousJob).catch(() => 0);
    });
  }

  private async schedule(key: string, jobId: string, runAt: number): Promise<void> {
    await this.sagas.add('run', { key }, { jobId, delay: Math.max(0, runAt - Date.now()), removeOnComplete: true, removeOnFail: 1000 });
  }

  startWorker(run: (key: string) => Promise<void>, leaseMs: number): () => Promise<void> {
    const worker = new Worker<{ key: string }>(`${this.options.prefix}-sagas`, (job) => run(job.data.key), {
      // BullMQ's worker blocks on Redis: its own connection, retrying for ever while Redis is away.
      connection: { url: this.options.url, maxRetriesPerRequest: null, retryStrategy },
      prefix: this.options.prefix,
      concurrency: 16,
      lockDuration: leaseMs,
    });
    worker.on('error', () => undefined);
    // Waits for the runs in progress, but not for a Redis that is gone.
    return () => Promise.race([worker.close(), new Promise<void>((resolve) => setTimeout(resolve, CONNECT_WAIT_MS).unref())]);
  }

  async deadLetters(): Promise<SagaRecord[]> {
    return guarded(async () => {
      await this.ready();
      const keys = await this.redis.smembers(`${this.options.prefix}:dead`);
      const records = await Promise.all(keys.map((key) => this.loadHash(key)));
      return records.filter((record): record is SagaRecord => record !== undefined).sort((a, b) => a.updatedAt - b.updatedAt);
    });
  }

  async pending(): Promise<number> {
    return guarded(async () => {
      const counts = await this.sagas.getJobCounts('delayed', 'waiting', 'active');
      return Object.values(counts).reduce((sum, n) => sum + n, 0);
    });
  }

  async events(after = 0): Promise<{ position: number; event: OrderPlacedEvent }[]> {
    return guarded(async () => {
      await this.ready();
      const jobs = await this.orderEvents.getJobs(['waiting', 'active', 'completed', 'delayed'], 0, -1, true);
      return jobs
        .sort((a, b) => a.timestamp - b.timestamp)
        .map((job, i) => ({ position: i + 1, event: job.data as OrderPlacedEvent }))
        .filter(({ position }) => position > after);
    });
  }

  async close(): Promise<void> {
    // A queue closed while it still connects leaves BullMQ's start-up commands to fail unheard: let them finish first.
    const started = (queue: Queue) =>
      Promise.race([queue.waitUntilReady(), new Promise((resolve) => setTimeout(resolve, CONNECT_WAIT_MS).unref())]);
    await Promise.allSettled([started(this.sagas), started(this.orderEvents)]);
    await Promise.allSettled([this.sagas.close(), this.orderEvents.close()]);
    this.redis.disconnect();
  }
}
