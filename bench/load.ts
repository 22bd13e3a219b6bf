/**
 * What the benchmarks share: the load shapes (a fixed arrival rate, a closed loop), the
 * percentiles, and what a process costs (CPU, memory) read from Linux's /proc.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

/** The value below which `p` % of the sorted values lie. */
export const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

/** The middle value (not sorted in place). */
export const median = (values: readonly number[]): number =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

/**
 * An open loop: `rate` requests a second at even intervals for `seconds`, each sent at its
 * time whether or not earlier ones have been answered (autocannon's rate limit sends each
 * second's requests in a burst, which is not a fixed arrival rate). A request's latency counts
 * from the time it was due, so a stalled generator cannot hide a slow server. Resolves with
 * the sorted latencies in ms.
 */
export async function paced(rate: number, seconds: number, send: () => Promise<unknown>): Promise<number[]> {
  const start = performance.now();
  const pending: Promise<number>[] = [];
  for (let i = 0; i < rate * seconds; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(send().then(() => performance.now() - due));
  }
  return (await Promise.all(pending)).sort((a, b) => a - b);
}

export interface ClosedLoopOptions {
  readonly url: string;
  readonly seconds: number;
  readonly connections: number;
  /** The body of each request (a new one each time: random ids). */
  readonly body: () => string;
  /** Told each answer's status and body. */
  readonly onResponse?: (status: number, body: string) => void;
  readonly headers?: Record<string, string>;
}

/** A closed loop: `connections` clients each sending the next request once answered (autocannon). */
export function closedLoop(options: ClosedLoopOptions): Promise<autocannon.Result> {
  return autocannon({
    url: options.url,
    duration: options.seconds,
    connections: options.connections,
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...options.headers },
        setupRequest: (request) => ({ ...request, body: options.body() }),
        ...(options.onResponse === undefined ? {} : { onResponse: options.onResponse }),
      },
    ],
  });
}

/** Resident memory of a process, now and at its peak, in MiB (Linux). */
export function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU time a process has used so far (user + system), in seconds (Linux). */
export function cpuSeconds(pid: number): number {
  // The command name may hold spaces: the fields are counted from after its closing parenthesis.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Pins a process (this one by default) to one CPU, so that the measured server has the other to itself. */
export function pin(cpu: number, pid = process.pid): void {
  const result = spawnSync('taskset', ['-cp', String(cpu), String(pid)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`taskset failed: ${result.stderr}`);
}
