/**
 * When a service's circuit opens: more than `threshold` of the calls that ended in the last
 * `windowMs` failed, and there were at least `minCalls` of them. The window slides in
 * wall-clock time: a call counts for as long as the window holds it, and is gone after,
 * however much or little traffic followed.
 *
 * cockatiel's own SamplingBreaker moves its window one slot per recorded call rather than by
 * the clock: a quiet period never ages it (a few failures spread over minutes add up to an
 * open circuit) and a burst stretches it (the circuit opens late). This one keeps the calls
 * in buckets indexed by time, `windowMs / buckets` wide, and forgets a bucket as soon as its
 * time is past the window. It is the circuit's `Window` (circuit-breaker.ts).
 */
import { CircuitState } from 'cockatiel';
import type { Window } from './circuit-breaker.js';

export interface SlidingWindowBreakerOptions {
  /** Opens when more than this share of the calls in the window failed (0 < threshold < 1). */
  readonly threshold: number;
  /** The window, in ms. */
  readonly windowMs: number;
  /** ...and the window holds at least this many calls. */
  readonly minCalls: number;
  /**
   * Buckets the window is cut into: a call leaves the window between `windowMs - windowMs / buckets`
   * and `windowMs` after it ended.
   * @default 20
   */
  readonly buckets?: number;
}

interface Bucket {
  /** Which stretch of time it counts: `floor(time / bucketMs)`. */
  index: number;
  successes: number;
  failures: number;
}

export class SlidingWindowBreaker implements Window {
  private readonly bucketMs: number;
  private readonly buckets: Bucket[];

  constructor(private readonly options: SlidingWindowBreakerOptions) {
    if (!(options.threshold > 0 && options.threshold < 1)) throw new RangeError(`threshold must be in (0, 1), got ${options.threshold}`);
    const count = options.buckets ?? 20;
    this.bucketMs = options.windowMs / count;
    this.buckets = Array.from({ length: count }, () => ({ index: -1, successes: 0, failures: 0 }));
  }

  success(state: CircuitState): void {
    // A successful trial closes the circuit: what made it open is history.
    if (state === CircuitState.HalfOpen) this.reset();
    this.bucket(Date.now()).successes += 1;
  }

  failure(state: CircuitState): boolean {
    const now = Date.now();
    this.bucket(now).failures += 1;
    if (state !== CircuitState.Closed) return true;
    const { successes, failures } = this.totals(now);
    const calls = successes + failures;
    return calls >= this.options.minCalls && failures > this.options.threshold * calls;
  }

  /** The bucket of this moment, emptied first if it last counted a stretch now past. */
  private bucket(now: number): Bucket {
    const index = Math.floor(now / this.bucketMs);
    const bucket = this.buckets[index % this.buckets.length]!;
    if (bucket.index !== index) Object.assign(bucket, { index, successes: 0, failures: 0 });
    return bucket;
  }

  /** The calls of the buckets still inside the window. */
  private totals(now: number): { successes: number; failures: number } {
    const oldest = Math.floor(now / this.bucketMs) - this.buckets.length + 1;
    let successes = 0;
    let failures = 0;
    for (const bucket of this.buckets) {
      if (bucket.index < oldest) continue;
      successes += bucket.successes;
      failures += bucket.failures;
    }
    return { successes, failures };
  }

  private reset(): void {
    for (const bucket of this.buckets) Object.assign(bucket, { index: -1, successes: 0, failures: 0 });
  }
}
