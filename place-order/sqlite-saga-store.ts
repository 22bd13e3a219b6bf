/**
 * The saga store on one machine: SQLite on disk (Node's built-in `node:sqlite`), in WAL mode with full
 * sync, so that what a write acknowledged survives a crash of the process or the machine.
 * The queue is the `run_at` column: a poller hands each due saga to the worker, after
 * pushing its `run_at` forward by the lease so that a crash mid-run is picked up again.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import {
  guarded,
  readSaga,
  type ClaimResult,
  type OrderPlacedEvent,
  type SagaRecord,
  type SagaStore,
  type SagaUpdate,
  type StoredSaga,
} from './saga-store.js';

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS sagas (
    key TEXT PRIMARY KEY,
    fingerprint TEXT NOT NULL,
    order_id TEXT NOT NULL,
    request TEXT NOT NULL,
    state TEXT NOT NULL,
    progress TEXT NOT NULL,
    outcome TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    run_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS sagas_due ON sagas (run_at) WHERE run_at IS NOT NULL;
  CREATE TABLE IF NOT EXISTS events (
    position INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
`;

/** A saga's columns under the names `readSaga` reads them by. */
const SAGA_COLUMNS =
  'key, fingerprint, order_id AS orderId, request, state, progress, outcome, attempts, created_at AS createdAt, updated_at AS updatedAt';

export interface SqliteSagaStoreOptions {
  /** The database file; its folder is created when missing. */
  readonly path: string;
  /** Finished sagas (and their idempotency keys) are forgotten this long after they began. */
  readonly ttlMs: number;
  /** How often the worker looks for due sagas. */
  readonly pollMs: number;
}

export class SqliteSagaStore implements SagaStore {
  private readonly db: DatabaseSync;
  private readonly statements: Record<'insert' | 'select' | 'update' | 'publish', StatementSync>;

  constructor(private readonly options: SqliteSagaStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new DatabaseSync(options.path, { timeout: 5000 });
    this.db.exec('PRAGMA journal_mode = WAL');
    // FULL: a commit is on disk before it is acknowledged, also across a power loss.
    this.db.exec('PRAGMA synchronous = FULL');
    this.db.exec(SCHEMA);
    // Prepared once: every order runs these several times.
    this.statements = {
      insert: this.db.prepare(
        `INSERT INTO sagas (key, fingerprint, order_id, request, state, progress, run_at, created_at, updated_at)
         VALUES (@key, @fingerprint, @orderId, @request, @state, @progress, @runAt, @createdAt, @createdAt)
         ON CONFLICT (key) DO NOTHING`,
      ),
      select: this.db.prepare(`SELECT ${SAGA_COLUMNS} FROM sagas WHERE key = ?`),
      // A field left out of the update (null) keeps its value.
      update: this.db.prepare(
        `UPDATE sagas SET run_at = @runAt, updated_at = @now, state = coalesce(@state, state), progress = coalesce(@progress, progress),
         outcome = coalesce(@outcome, outcome), attempts = coalesce(@attempts, attempts) WHERE key = @key`,
      ),
      publish: this.db.prepare('INSERT INTO events (id, type, payload, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING'),
    };
  }

  /** The saga's update and its event commit together, or neither does. */
  private write(params: Record<string, SQLInputValue>, event: OrderPlacedEvent | undefined): void {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      this.statements.update.run(params);
      if (event !== undefined) this.statements.publish.run(event.id, event.type, JSON.stringify(event), Date.now());
      this.db.exec('COMMIT');
    } catch (error) {
      if (this.db.isTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  claim(record: Omit<SagaRecord, 'outcome' | 'attempts' | 'updatedAt'>, runAt: number): Promise<ClaimResult> {
    return guarded(() => this.claimSync(record, runAt));
  }

  private claimSync(record: Omit<SagaRecord, 'outcome' | 'attempts' | 'updatedAt'>, runAt: number): ClaimResult {
    const inserted = this.statements.insert.run({
      key: record.key,
      fingerprint: record.fingerprint,
      orderId: record.orderId,
      request: JSON.stringify(record.request),
      state: record.state,
      progress: JSON.stringify(record.progress),
      runAt,
      createdAt: record.createdAt,
    });
    if (inserted.changes === 1) return { created: true };
    return { created: false, existing: this.loadSync(record.key)! };
  }

  load(key: string): Promise<SagaRecord | undefined> {
    return guarded(() => this.loadSync(key));
  }

  private loadSync(key: string): SagaRecord | undefined {
    const row = this.statements.select.get(key) as unknown as StoredSaga | undefined;
    return row === undefined ? undefined : readSaga(row);
  }

  update(key: string, update: SagaUpdate, event?: OrderPlacedEvent): Promise<void> {
    return guarded(() => this.updateSync(key, update, event));
  }

  private updateSync(key: string, update: SagaUpdate, event?: OrderPlacedEvent): void {
    const params: Record<string, SQLInputValue> = {
      key,
      runAt: update.runAt,
      now: Date.now(),
      state: update.state ?? null,
      progress: update.progress === undefined ? null : JSON.stringify(update.progress),
      outcome: update.outcome === undefined ? null : JSON.stringify(update.outcome),
      attempts: update.attempts ?? null,
    };
    this.write(params, event);
  }

  startWorker(run: (key: string) => Promise<void>, leaseMs: number): () => Promise<void> {
    const claimDue = this.db.prepare(
      `UPDATE sagas SET run_at = @lease
       WHERE key IN (SELECT key FROM sagas WHERE run_at IS NOT NULL AND run_at <= @now ORDER BY run_at LIMIT 16)
       RETURNING key`,
    );
    // Dead letters stay until an operator replays them; finished sagas go after the TTL.
    const forget = this.db.prepare("DELETE FROM sagas WHERE state IN ('completed', 'refused') AND created_at < ?");
    let stopped = false;
    let timer: NodeJS.Timeout | undefined;
    let current: Promise<unknown> = Promise.resolve();
    const poll = (): void => {
      if (stopped) return;
      const now = Date.now();
      const due = claimDue.all({ now, lease: now + leaseMs }) as unknown as { key: string }[];
      forget.run(now - this.options.ttlMs);
      current = Promise.allSettled(due.map(({ key }) => run(key))).then(() => {
        // A full batch may mean more are due: look again at once.
        if (!stopped) timer = setTimeout(poll, due.length === 16 ? 0 : this.options.pollMs);
      });
    };
    timer = setTimeout(poll, 0);
    return async () => {
      stopped = true;
      clearTimeout(timer);
      await current;
    };
  }

  deadLetters(): Promise<SagaRecord[]> {
    return guarded(() =>
      (this.db.prepare(`SELECT ${SAGA_COLUMNS} FROM sagas WHERE state = 'dead' ORDER BY updated_at`).all() as unknown as StoredSaga[]).map(
        readSaga,
      ),
    );
  }

  pending(): Promise<number> {
    return guarded(() => (this.db.prepare('SELECT count(*) AS n FROM sagas WHERE run_at IS NOT NULL').get() as unknown as { n: number }).n);
  }

  events(after = 0): Promise<{ position: number; event: OrderPlacedEvent }[]> {
    const rows = this.db.prepare('SELECT position, payload FROM events WHERE position > ? ORDER BY position').all(after) as unknown as {
      position: number;
      payload: string;
    }[];
    return Promise.resolve(rows.map((row) => ({ position: row.position, event: JSON.parse(row.payload) as OrderPlacedEvent })));
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}
