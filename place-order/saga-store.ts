/**
 * Where `placeOrder` keeps what must survive a crash: one record per idempotency key, which
 * is at once the idempotency record (fingerprint, client-visible outcome), the saga's state
 * (what has been done upstream, what must still be done or undone) and its place in the
 * durable queue (when it must run next). One interface, two backends: SQLite on disk for a
 * single process (the default), Redis for replicas that share it.
 */
import { z } from 'zod';
import { orderSchema, type OrderRecord } from '../datasources/orders-datasource.js';
import { UPSTREAM_ERROR_CODES, USER_ERROR_CODES, type UpstreamErrorCode, type UserErrorCode } from '../errors/codes.js';
import { SERVICE_NAMES, type ServiceName } from '../errors/service-name.js';
import { stateStoreUnavailable } from '../errors/graph-errors.js';

/** What the client asked for, as validated. */
export interface PlaceOrderRequest {
  readonly userId: string;
  readonly items: readonly { readonly productId: string; readonly quantity: number }[];
}

export interface UserErrorRecord {
  readonly code: UserErrorCode;
  readonly message: string;
  readonly field?: readonly string[];
}

/** What the client is answered, the first time and on every replay. */
export type PlaceOrderOutcome =
  | { readonly kind: 'placed'; readonly order: OrderRecord; readonly confirmationEmail: 'SENT' | 'QUEUED' }
  | { readonly kind: 'refused'; readonly userErrors: readonly UserErrorRecord[] }
  /** An upstream outage: the contract's error, replayed as such. */
  | { readonly kind: 'failed'; readonly code: UpstreamErrorCode; readonly service: ServiceName; readonly upstreamStatus?: number };

/**
 * - `started`: the order and the reservation are being made (or may have been: a crash
 *   here is resumed by sending both again with the same idempotency keys);
 * - `compensating`: one side failed, the other is being undone (retried until it is);
 * - `placed`: order and reservation stand, the confirmation email is due;
 * - `completed`, `refused`: nothing left to do;
 * - `dead`: the email failed every attempt; an operator can replay it.
 */
export const SAGA_STATES = ['started', 'compensating', 'placed', 'completed', 'refused', 'dead'] as const;
export type SagaState = (typeof SAGA_STATES)[number];

/** What the saga learnt on the way. */
export interface SagaProgress {
  readonly order?: OrderRecord;
  readonly reservationId?: string;
  /** What `compensating` must undo. */
  readonly undo?: { readonly cancelOrder: boolean; readonly releaseReservation: boolean };
  readonly lastError?: string;
}

export interface SagaRecord {
  readonly key: string;
  readonly fingerprint: string;
  readonly orderId: string;
  readonly request: PlaceOrderRequest;
  readonly state: SagaState;
  readonly progress: SagaProgress;
  /** Set once the client's answer is known; replays return it. */
  readonly outcome: PlaceOrderOutcome | null;
  /** Failed attempts of the current step (email, compensation). */
  readonly attempts: number;
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface SagaUpdate {
  readonly state?: SagaState;
  readonly progress?: SagaProgress;
  readonly outcome?: PlaceOrderOutcome;
  readonly attempts?: number;
  /** When the queue must run the saga next; `null`: not at all (terminal states). */
  readonly runAt: number | null;
}

/** `order.placed`, published when a saga reaches `placed`. */
export interface OrderPlacedEvent {
  readonly id: string;
  readonly type: 'order.placed';
  readonly occurredAt: string;
  readonly order: {
    readonly id: string;
    readonly userId: string;
    readonly items: readonly { readonly productId: string; readonly quantity: number; readonly unitPriceCents: number }[];
    readonly totalCents: number;
    readonly currency: string;
  };
}

export type ClaimResult = { readonly created: true } | { readonly created: false; readonly existing: SagaRecord };

export interface SagaStore {
  /**
   * Creates the record for a key unless one exists, atomically, and schedules it to run at
   * `runAt` (the safety net that resumes it if this process dies mid-way).
   */
  claim(record: Omit<SagaRecord, 'outcome' | 'attempts' | 'updatedAt'>, runAt: number): Promise<ClaimResult>;
  load(key: string): Promise<SagaRecord | undefined>;
  /** Applies an update; with `event`, publishes it in the same write. */
  update(key: string, update: SagaUpdate, event?: OrderPlacedEvent): Promise<void>;
  /**
   * Hands each saga whose time has come to `run`, at least once, holding it for `leaseMs`
   * meanwhile (a crash mid-run is resumed once the lease ends). Returns a stop function.
   */
  startWorker(run: (key: string) => Promise<void>, leaseMs: number): () => Promise<void>;
  /** Sagas whose email failed every attempt. */
  deadLetters(): Promise<SagaRecord[]>;
  /** Sagas with a run pending (queued steps, and the safety net of those in progress). */
  pending(): Promise<number>;
  /** Published events, oldest first, after the given position (for consumers and tests). */
  events(after?: number): Promise<{ position: number; event: OrderPlacedEvent }[]>;
  close(): Promise<void>;
}

/** A saga as a store holds it: the structured parts as JSON text, numbers maybe as text (Redis). */
export interface StoredSaga {
  readonly key: string;
  readonly fingerprint: string;
  readonly orderId: string;
  readonly request: string;
  readonly state: string;
  readonly progress: string;
  readonly outcome: string | null | undefined;
  readonly attempts: number | string | undefined;
  readonly createdAt: number | string;
  readonly updatedAt: number | string;
}

/** JSON text holding a value of `schema`. */
const jsonOf = <T>(schema: z.ZodType<T>) =>
  z
    .string()
    .transform((text, context) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        context.addIssue({ code: 'custom', message: 'not JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);

const lineSchema = z.object({ productId: z.string(), quantity: z.number().int() });
const userErrorSchema = z.object({
  code: z.enum(USER_ERROR_CODES),
  message: z.string(),
  field: z.array(z.string()).optional(),
});

const storedSagaSchema = z.object({
  key: z.string().min(1),
  fingerprint: z.string().min(1),
  orderId: z.string().min(1),
  request: jsonOf(z.object({ userId: z.string(), items: z.array(lineSchema) })),
  state: z.enum(SAGA_STATES),
  progress: jsonOf(
    z.object({
      order: orderSchema.optional(),
      reservationId: z.string().optional(),
      undo: z.object({ cancelOrder: z.boolean(), releaseReservation: z.boolean() }).optional(),
      lastError: z.string().optional(),
    }),
  ),
  outcome: jsonOf(
    z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('placed'), order: orderSchema, confirmationEmail: z.enum(['SENT', 'QUEUED']) }),
      z.object({ kind: z.literal('refused'), userErrors: z.array(userErrorSchema) }),
      z.object({
        kind: z.literal('failed'),
        code: z.enum(Object.keys(UPSTREAM_ERROR_CODES) as [UpstreamErrorCode, ...UpstreamErrorCode[]]),
        service: z.enum(SERVICE_NAMES),
        upstreamStatus: z.number().int().optional(),
      }),
    ]),
  )
    .nullish()
    .transform((outcome) => outcome ?? null),
  attempts: z.coerce.number().int().min(0).default(0),
  createdAt: z.coerce.number().int().positive(),
  updatedAt: z.coerce.number().int().positive(),
});

/**
 * A stored saga, checked as it is read back: a record that is not what this code wrote (a
 * hand edit, another version, a torn write) fails the operation as the store failing
 * (`STATE_STORE_UNAVAILABLE`), rather than driving the saga with whatever it holds.
 */
export function readSaga(stored: StoredSaga): SagaRecord {
  const parsed = storedSagaSchema.safeParse(stored);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`the stored saga ${JSON.stringify(stored.key)} is not valid: ${problems}`);
  }
  return parsed.data;
}

/** Runs a store operation; the store failing becomes the error the client is told (`STATE_STORE_UNAVAILABLE`). */
export async function guarded<T>(operation: () => T | Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw stateStoreUnavailable(error);
  }
}

/**
 * `work`, or `late()` thrown once `deadline` (epoch ms) has passed: the request's answer never
 * waits past its budget for the store, whatever its connections do. The work goes on unheard;
 * the idempotency key makes the client's next try safe.
 */
export function beforeDeadline<T>(work: Promise<T>, deadline: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(late()), Math.max(0, deadline - Date.now()));
  });
  // The work's own failure after the deadline is nobody's to hear.
  work.catch(() => undefined);
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}
