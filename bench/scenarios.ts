/**
 * `npm run bench` (first part): the graph against its physical floor, against a hand-written
 * fan-out server (bench/fanout/: the same upstream calls with undici, JSON in and out, no
 * GraphQL engine) and against the references a team would pick instead (Apollo Server 5 with
 * @apollo/datasource-rest, in bench/apollo/; Mercurius bare, bench/mercurius/, and with the
 * guarantees a Fastify team would add, bench/mercurius-guarded/: the fair one for CPU), in the
 * same run, interleaved, against the same demo services.
 *
 * S1 profile `user(id) { personal professional orders(first: 5) }`, random ids
 * S2 `users(ids: 50 random ids) { personal professional }`
 * S3 `order(id) { items { available } user { personal } }`
 * S4 `placeOrder` (the graph only: the reference serves the reads)
 *
 * For each: a fixed arrival rate (where latency is judged: p50/p90/p99 and the p50's ratio to
 * the floor) and closed loops of 32 and 64 clients (where throughput is judged), errors,
 * upstream calls per operation, the server's CPU and memory; then the graph's ratios to each
 * other server (requests/s, CPU per request, p50/p99, errors). The floor is the same upstream calls made directly,
 * as concurrently as the contract allows. Then the graph's memory over 60 s of S1, and the
 * time to the first part of an answer with `professional` deferred and 500 ms slow.
 *
 * Each server runs in its own process in production mode, pinned to CPU 1; the demo services
 * (every call `LATENCY_MS`) and this load generator share CPU 0.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { Pool, request } from 'undici';
import { startDemoProcess } from './demo-process.js';
import { startReference } from './references.js';
import { startBuiltGraph } from './built-graph.js';
import { randomUser } from './bodies.js';
import { scenarioList, type Scenario } from './scenario-list.js';
import { closedLoop, cpuSeconds, median, memory, paced, percentile, pin } from './load.js';

const LATENCY_MS = 20;
const RATE = 200;
const FIXED_SECONDS = 10;
const CLOSED_SECONDS = 8;
const CONNECTIONS = 32;
/** The closed loops of the read scenarios: their own size, and these. */
const LOOP_SIZES = [32, 64];
const ROUNDS = 2;
/**
 * Closed loop each server gets before a scenario's first round: V8 is still optimizing well after
 * the first seconds, and a shorter warm-up measured a server still compiling itself in its first
 * round (the back-to-back loops that showed it are in JOURNAL.md, "The log line the benchmark did not write").
 */
const WARMUP_SECONDS = 30;
const FLOOR_RUNS = 40;
const MEMORY_SECONDS = 60;
const SLOW_MS = 500;
const SERVER_CPU = 1;

interface Server {
  readonly name: string;
  readonly endpoint: string;
  readonly pid: number;
  readonly child: ChildProcess;
}

pin(0);
const demo = await startDemoProcess(LATENCY_MS);
pin(0, demo.pid);
const api = (service: string) => demo.urlEnv[`${service.toUpperCase()}_API_URL`]!;
const pools = new Map<string, Pool>();
const pool = (origin: string) => pools.get(origin) ?? pools.set(origin, new Pool(origin, { connections: 128 })).get(origin)!;

async function call(origin: string, path: string, method: 'GET' | 'POST' = 'GET', body?: object): Promise<unknown> {
  const response = await pool(origin).request({
    method,
    path,
    headers: { 'content-type': 'application/json', ...(body === undefined ? {} : { 'idempotency-key': `floor-${++sequence}` }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return response.body.json();
}

let sequence = 0;
const SCENARIOS = scenarioList({ api, call, rate: RATE, connections: CONNECTIONS });

async function floorOf(scenario: Scenario): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < FLOOR_RUNS; i++) {
    const start = performance.now();
    await scenario.floor();
    times.push(performance.now() - start);
  }
  return median(times);
}

/** An answer is an error when it is not a 200 or carries GraphQL errors (business `userErrors` are answers). */
function isError(status: number, text: string): boolean {
  return status !== 200 || text.includes('"errors"');
}

const startApollo = () => startReference('Apollo', { env: demo.urlEnv, cpu: SERVER_CPU });
const startMercurius = () => startReference('Mercurius', { env: demo.urlEnv, cpu: SERVER_CPU });
const startGuardedMercurius = () => startReference('Mercurius+guarantees', { env: demo.urlEnv, cpu: SERVER_CPU });
const startFanout = () => startReference('fan-out', { env: demo.urlEnv, cpu: SERVER_CPU });

/**
 * The built graph started as the references are (bench/built-graph.ts): its output drained and
 * dropped (its log lines written), its standard error the bench's, the rate limit off (the load
 * generator is one client).
 */
async function startGraph(): Promise<Server> {
  const { child, url } = await startBuiltGraph({ env: demo.urlEnv, cpu: SERVER_CPU });
  return { name: 'graph', endpoint: url, pid: child.pid!, child };
}

interface Fixed {
  p50: number;
  p90: number;
  p99: number;
  errors: number;
  callsPerOp: number;
  cpu: number;
}

/**
 * Waits until the demo services have stopped receiving calls: a closed loop ends with
 * operations still in flight, whose upstream calls would otherwise count in the next run.
 */
async function settle(): Promise<void> {
  let last = await demo.calls();
  for (let i = 0; i < 40; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const now = await demo.calls();
    if (now === last) return;
    last = now;
  }
}

async function fixedRate(server: Server, scenario: Scenario): Promise<Fixed> {
  await settle();
  const origin = new URL(server.endpoint);
  const target = pool(origin.origin);
  let errors = 0;
  const callsBefore = await demo.calls();
  const cpuBefore = cpuSeconds(server.pid);
  const latencies = await paced(scenario.rate, FIXED_SECONDS, async () => {
    const response = await target.request({
      method: 'POST',
      path: origin.pathname,
      headers: { 'content-type': 'application/json' },
      body: scenario.body(),
    });
    if (isError(response.statusCode, await response.body.text())) errors += 1;
  });
  const cpu = (cpuSeconds(server.pid) - cpuBefore) / FIXED_SECONDS;
  const callsPerOp = ((await demo.calls()) - callsBefore) / latencies.length;
  return { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), errors, callsPerOp, cpu };
}

/**
 * The p99 of the graph's event loop delay since it was last read (prom-client's default
 * metrics reset it at every scrape); the reference has no such endpoint.
 */
async function eventLoopDelayP99(server: Server): Promise<string> {
  if (server.name !== 'graph') return '';
  const text = await (await request(`${new URL(server.endpoint).origin}/metrics`)).body.text();
  const seconds = Number(/^nodejs_eventloop_lag_p99_seconds (\S+)/m.exec(text)?.[1] ?? NaN);
  return `; event loop delay p99 ${ms(seconds * 1000)}`;
}

async function closed(
  server: Server,
  scenario: Scenario,
  connections: number,
): Promise<{ rps: number; errors: number; cpu: number; loopDelay: string }> {
  await eventLoopDelayP99(server);
  let errors = 0;
  const cpuBefore = cpuSeconds(server.pid);
  const result = await closedLoop({
    url: server.endpoint,
    seconds: CLOSED_SECONDS,
    connections,
    body: scenario.body,
    onResponse: (status, text) => {
      if (isError(status, text)) errors += 1;
    },
  });
  const cpu = (cpuSeconds(server.pid) - cpuBefore) / CLOSED_SECONDS;
  return { rps: result.requests.average, errors: errors + result.non2xx + result.errors, cpu, loopDelay: await eventLoopDelayP99(server) };
}

const ms = (value: number) => `${value.toFixed(1)} ms`;

/** What one server did in one scenario, over the interleaved rounds. */
interface Results {
  p50: number[];
  p99: number[];
  fixedErrors: number;
  /** By closed-loop size: requests/s, requests per CPU-second of the server, errors. */
  loops: Map<number, { rps: number[]; perCpu: number[]; errors: number }>;
}

async function compare(servers: Server[], scenario: Scenario): Promise<void> {
  const floor = await floorOf(scenario);
  const taking = servers.filter((server) => scenario.readsOnly || server.name === 'graph');
  const sizes = scenario.readsOnly ? [...new Set([scenario.connections, ...LOOP_SIZES])] : [scenario.connections];
  console.log(`${scenario.name} ${scenario.what}; floor ${ms(floor)} (the same calls made directly, median of ${FLOOR_RUNS})`);
  // Warm-up: connections, JIT, caches of parsed documents. 2 s left the graph's first round at
  // about half its second (S1: 592 and 1,073 req/s), the median of two then told neither.
  for (const server of taking)
    await closedLoop({ url: server.endpoint, seconds: WARMUP_SECONDS, connections: scenario.connections, body: scenario.body });
  const results = new Map<string, Results>(
    taking.map((server) => [
      server.name,
      { p50: [], p99: [], fixedErrors: 0, loops: new Map(sizes.map((size) => [size, { rps: [], perCpu: [], errors: 0 }])) },
    ]),
  );
  for (let round = 0; round < ROUNDS; round++) {
    for (const server of taking) {
      const result = results.get(server.name)!;
      const fixed = await fixedRate(server, scenario);
      result.p50.push(fixed.p50);
      result.p99.push(fixed.p99);
      result.fixedErrors += fixed.errors;
      console.log(
        `   ${server.name.padEnd(7)} ${scenario.rate} req/s: p50 ${ms(fixed.p50)} (floor + ${ms(fixed.p50 - floor)}, ` +
          `${(fixed.p50 / floor).toFixed(2)} x), p90 ${ms(fixed.p90)}, p99 ${ms(fixed.p99)}; ` +
          `${fixed.errors} errors; ${fixed.callsPerOp.toFixed(2)} upstream calls/op (minimum ${scenario.minCalls}); ` +
          `CPU ${(fixed.cpu * 100).toFixed(0)} %`,
      );
      for (const size of sizes) {
        const loop = await closed(server, scenario, size);
        const totals = result.loops.get(size)!;
        totals.rps.push(loop.rps);
        totals.perCpu.push(loop.rps / loop.cpu);
        totals.errors += loop.errors;
        console.log(
          `   ${server.name.padEnd(7)} closed loop of ${size}: ${loop.rps.toFixed(0)} req/s ` +
            `(${(loop.rps / loop.cpu).toFixed(0)} per CPU-second, ${((loop.cpu / loop.rps) * 1000).toFixed(2)} ms CPU a request), ` +
            `${loop.errors} errors, CPU ${(loop.cpu * 100).toFixed(0)} %${loop.loopDelay}; ` +
            `memory ${memory(server.pid).rss.toFixed(0)} MiB, peak ${memory(server.pid).peak.toFixed(0)} MiB`,
        );
      }
    }
  }
  const graph = results.get('graph')!;
  for (const [name, other] of results) {
    if (name === 'graph') continue;
    console.log(
      `   graph / ${name}, median of ${ROUNDS} interleaved rounds: p50 ${ms(median(graph.p50))} / ${ms(median(other.p50))}, ` +
        `p99 ${ms(median(graph.p99))} / ${ms(median(other.p99))}, ` +
        `errors at ${scenario.rate} req/s ${graph.fixedErrors} / ${other.fixedErrors}`,
    );
    for (const size of sizes) {
      const mine = graph.loops.get(size)!;
      const theirs = other.loops.get(size)!;
      console.log(
        `     closed loop of ${size}: requests/s ${(median(mine.rps) / median(theirs.rps)).toFixed(2)} x, ` +
          `CPU per request ${(median(theirs.perCpu) / median(mine.perCpu)).toFixed(2)} x, errors ${mine.errors} / ${theirs.errors}`,
      );
    }
  }
}

/** The graph's memory over a long fixed-rate run of S1, from its own /metrics and /proc. */
async function memoryOverTime(graph: Server): Promise<void> {
  const origin = new URL(graph.endpoint);
  const heap = async () => {
    const text = await (await request(`${origin.origin}/metrics`)).body.text();
    return Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1] ?? NaN) / 2 ** 20;
  };
  const samples: string[] = [];
  const sampler = setInterval(() => {
    void heap().then((used) => samples.push(`${used.toFixed(0)}/${memory(graph.pid).rss.toFixed(0)}`));
  }, 10_000);
  await paced(RATE, MEMORY_SECONDS, async () => {
    const response = await pool(origin.origin).request({
      method: 'POST',
      path: origin.pathname,
      headers: { 'content-type': 'application/json' },
      body: SCENARIOS[0]!.body(),
    });
    await response.body.dump();
  });
  clearInterval(sampler);
  console.log(
    `memory of the graph over ${MEMORY_SECONDS} s of S1 at ${RATE} req/s, every 10 s (heap used / resident, MiB): ${samples.join(', ')}`,
  );
}

/** Time to the first part of the answer with `professional` deferred, and to the whole, with professional slow. */
async function deferred(graph: Server): Promise<void> {
  await demo.configure('professional', { latencyMs: SLOW_MS });
  const query = (defer: boolean) =>
    `query Deferred($id: ID!) { user(id: $id) { personal { name } orders(first: 5) { nodes { id } } ` +
    `${defer ? '... @defer { professional { title } }' : 'professional { title }'} } }`;
  const measure = async (defer: boolean): Promise<{ first: number; whole: number }> => {
    const first: number[] = [];
    const whole: number[] = [];
    for (let i = 0; i < 10; i++) {
      const start = performance.now();
      const response = await request(graph.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: defer ? 'multipart/mixed' : 'application/json' },
        body: JSON.stringify({ query: query(defer), variables: { id: randomUser() } }),
      });
      let firstAt: number | undefined;
      for await (const chunk of response.body) {
        if (firstAt === undefined && (chunk as Buffer).includes('"data"')) firstAt = performance.now() - start;
      }
      first.push(firstAt ?? NaN);
      whole.push(performance.now() - start);
    }
    return { first: median(first), whole: median(whole) };
  };
  const plain = await measure(false);
  const withDefer = await measure(true);
  await demo.configure('professional', { latencyMs: LATENCY_MS });
  console.log(
    `@defer with professional at ${SLOW_MS} ms (median of 10): without it the first byte of data comes after ${ms(plain.first)}; ` +
      `deferring professional, after ${ms(withDefer.first)} (the rest at ${ms(withDefer.whole)})`,
  );
}

/** `BENCH_SCENARIOS=S1,S3`: only these scenarios, without the memory and @defer runs (while working on one). */
const chosen = process.env.BENCH_SCENARIOS?.split(',');
const servers: Server[] = [];
try {
  servers.push(await startGraph(), await startApollo(), await startMercurius(), await startGuardedMercurius(), await startFanout());
  console.log(
    `demo services at ${LATENCY_MS} ms a call; servers in production mode, each pinned to CPU ${SERVER_CPU}; ` +
      `load generator and demo services on CPU 0`,
  );
  for (const scenario of SCENARIOS) if (chosen === undefined || chosen.includes(scenario.name)) await compare(servers, scenario);
  if (chosen === undefined) {
    await memoryOverTime(servers[0]!);
    await deferred(servers[0]!);
  }
  for (const server of servers) console.log(`peak resident memory: ${server.name} ${memory(server.pid).peak.toFixed(0)} MiB`);
} finally {
  for (const server of servers) {
    server.child.kill('SIGTERM');
    if (server.child.exitCode === null) await once(server.child, 'exit');
  }
  await Promise.all([...pools.values()].map((p) => p.close()));
  await demo.stop();
}
