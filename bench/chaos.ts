/**
 * `npm run bench` (second part): one sick upstream under load.
 *
 * A. Professional black-holed (accepts connections, never answers). Measured in one run,
 *    healthy and then sick: the closed-loop throughput of profile queries (which need
 *    professional) once its circuit is open, and the p99 of queries that do not touch
 *    professional under a fixed arrival rate of both kinds.
 * B. Professional slow (1 s a call) with 1,000 profile queries in flight at once, three
 *    times over: the concurrency limit (ceiling 64) lets calls run and 256 wait, and sheds the rest at once;
 *    the graph's memory before, after each wave and at its peak.
 *
 * Three processes, so that none disturbs another's timing more than the machine must: the
 * graph (its build, as `npm start` runs it), the demo services (`npm run demo`, faults set over
 * `PUT /_demo/settings`), and the load generator (autocannon) in this one. Everything on
 * 127.0.0.1, every run bounded.
 */
import { performance } from 'node:perf_hooks';
import type autocannon from 'autocannon';
import { Pool } from 'undici';
import { createDemoData, FAULTY_PROFILE_USERS } from '../demo/data.js';
import { startServerProcess, type ServerProcess } from '../test/support/server-process.js';
import { startDemoProcess } from './demo-process.js';
import { closedLoop, memory, paced, percentile } from './load.js';

const LATENCY_MS = 20;
const PHASE_SECONDS = 10;
const CONNECTIONS = 32;
const RATE_PER_KIND = 150;
const IN_FLIGHT = 1000;
const SLOW_MS = 1000;
const WAVES = 3;
/** Old-space cap of the graph in scenario B: the burst must fit, and a leak would end the process. */
const HEAP_MIB = 160;

const PROFILE = 'query($id: ID!) { user(id: $id) { personal { name } professional { title } orders(first: 5) { nodes { id } } } }';
const NO_PROFESSIONAL = 'query($id: ID!) { user(id: $id) { personal { name } orders(first: 5) { nodes { id totalCents } } } }';

interface Answer {
  data?: { user?: { professional?: unknown } | null } | null;
  errors?: { extensions?: { code?: string; circuit?: string; overloaded?: boolean } }[];
}

const demo = await startDemoProcess(LATENCY_MS);
const urlEnv = demo.urlEnv;
// The demo services' data is seeded: the same users as in the demo process.
const users = [...createDemoData().users.keys()].filter((id) => !FAULTY_PROFILE_USERS.includes(id));
const pick = () => users[Math.floor(Math.random() * users.length)]!;
const body = (query: string) => JSON.stringify({ query, variables: { id: pick() } });
const processes: ServerProcess[] = [];

/** Error codes seen in the answers of one run, e.g. `{ "UPSTREAM_UNAVAILABLE/circuit": 812 }`. */
type Outcomes = Record<string, number>;

function outcome(answer: Answer): string {
  const error = answer.errors?.[0]?.extensions;
  if (error === undefined) return 'ok';
  return `${error.code}${error.circuit === 'open' ? '/circuit-open' : ''}${error.overloaded === true ? '/overloaded' : ''}`;
}

function load(url: string, query: string, options: { connections: number }, outcomes: Outcomes): Promise<autocannon.Result> {
  return closedLoop({
    url: `${url}/graphql`,
    seconds: PHASE_SECONDS,
    connections: options.connections,
    body: () => body(query),
    onResponse: (_status, text) => {
      const key = outcome(JSON.parse(text) as Answer);
      outcomes[key] = (outcomes[key] ?? 0) + 1;
    },
  });
}

/** Closed loop of profile queries, and a fixed arrival rate of both kinds at once. */
async function measure(url: string): Promise<{ rps: number; outcomes: Outcomes; p50: number; p99: number }> {
  const outcomes: Outcomes = {};
  const closed = await load(url, PROFILE, { connections: CONNECTIONS }, outcomes);
  const pool = new Pool(url, { connections: 64 });
  const [, other] = await Promise.all([
    paced(RATE_PER_KIND, PHASE_SECONDS, () => post(pool, PROFILE)),
    paced(RATE_PER_KIND, PHASE_SECONDS, () => post(pool, NO_PROFESSIONAL)),
  ]);
  await pool.close();
  return { rps: closed.requests.average, outcomes, p50: percentile(other, 50), p99: percentile(other, 99) };
}

async function post(pool: Pool, query: string): Promise<{ answer: Answer; ms: number }> {
  const start = performance.now();
  const response = await pool.request({
    method: 'POST',
    path: '/graphql',
    headers: { 'content-type': 'application/json' },
    body: body(query),
  });
  const answer = (await response.body.json()) as Answer;
  return { answer, ms: performance.now() - start };
}

async function blackHole(): Promise<void> {
  const { server, url } = await startServerProcess({ ...urlEnv, LOG_LEVEL: 'info' }, { built: true });
  processes.push(server);
  // Warm-up: connections, JIT.
  await load(url, PROFILE, { connections: CONNECTIONS }, {});
  const healthy = await measure(url);

  await demo.configure('professional', { fault: 'hang' });
  const pool = new Pool(url, { connections: 16 });
  const openStart = performance.now();
  let open = false;
  for (let round = 0; round < 50 && !open; round++) {
    const answers = await Promise.all(Array.from({ length: 16 }, () => post(pool, PROFILE)));
    open = answers.some(({ answer }) => answer.errors?.some((e) => e.extensions?.circuit === 'open'));
  }
  const openedAfter = performance.now() - openStart;
  await pool.close();
  if (!open) throw new Error('the circuit of professional did not open');
  const sick = await measure(url);
  await demo.configure('professional', { fault: 'none' });

  console.log(`A. professional black-holed; demo services at ${LATENCY_MS} ms; ${PHASE_SECONDS} s per phase`);
  console.log(`   circuit opened after ${openedAfter.toFixed(0)} ms of profile queries (each waiting out the 2 s time limit until then)`);
  console.log(
    `   profile queries, closed loop of ${CONNECTIONS}: healthy ${healthy.rps.toFixed(0)} req/s, ` +
      `circuit open ${sick.rps.toFixed(0)} req/s = ${((sick.rps / healthy.rps) * 100).toFixed(0)} % of healthy (target >= 80 %)`,
  );
  console.log(`     answers healthy ${JSON.stringify(healthy.outcomes)}, sick ${JSON.stringify(sick.outcomes)}`);
  console.log(`   queries without professional, ${RATE_PER_KIND} req/s beside ${RATE_PER_KIND} req/s of profile queries:`);
  console.log(
    `     healthy p50 ${healthy.p50.toFixed(1)} ms p99 ${healthy.p99.toFixed(1)} ms; ` +
      `circuit open p50 ${sick.p50.toFixed(1)} ms p99 ${sick.p99.toFixed(1)} ms = ` +
      `${((sick.p99 / healthy.p99) * 100).toFixed(0)} % of healthy p99 (target <= 110 %)`,
  );
}

/**
 * `IN_FLIGHT` profile queries at once against a slow professional, `waves` times, with the
 * given line of waiting calls; the answers by outcome with their latencies, and the graph's memory.
 */
async function burst(maxQueue: number, waves: number, heapMiB: number): Promise<void> {
  const { server, url } = await startServerProcess(
    {
      ...urlEnv,
      LOG_LEVEL: 'info',
      PROFESSIONAL_MAX_CONCURRENCY: '64',
      PROFESSIONAL_MAX_QUEUE: String(maxQueue),
      NODE_OPTIONS: `--max-old-space-size=${heapMiB}`,
    },
    { built: true },
  );
  processes.push(server);
  const pid = server.child.pid!;
  const pool = new Pool(url, { connections: IN_FLIGHT });
  const wave = async (): Promise<string> => {
    const results = await Promise.all(Array.from({ length: IN_FLIGHT }, () => post(pool, PROFILE)));
    const by = new Map<string, number[]>();
    for (const { answer, ms } of results) by.set(outcome(answer), [...(by.get(outcome(answer)) ?? []), ms]);
    const lines = [...by].map(([key, times]) => {
      times.sort((a, b) => a - b);
      return `${key}: ${times.length} (p50 ${percentile(times, 50).toFixed(0)} ms, p99 ${percentile(times, 99).toFixed(0)} ms)`;
    });
    const { rss, peak } = memory(pid);
    return `${lines.join('; ')}; memory ${rss.toFixed(0)} MiB, peak ${peak.toFixed(0)} MiB`;
  };
  console.log(
    `   concurrency limit at most 64 in flight + ${maxQueue} waiting, heap capped at ${heapMiB} MiB; ` +
      `graph memory at start: ${memory(pid).rss.toFixed(0)} MiB resident`,
  );
  // The same burst with every service healthy: what taking in 1,000 queries at once costs by itself.
  console.log(`   healthy:  ${await wave()}`);
  await demo.configure('professional', { latencyMs: SLOW_MS });
  for (let n = 1; n <= waves; n++) console.log(`   wave ${n}:   ${await wave()}`);
  await demo.configure('professional', { latencyMs: LATENCY_MS });
  await pool.close();
}

async function slowUpstream(): Promise<void> {
  console.log(`B. professional slow (${SLOW_MS} ms a call); ${IN_FLIGHT} profile queries in flight at once`);
  await burst(256, WAVES, HEAP_MIB);
  console.log('   the same without a bound on waiting calls, for comparison:');
  await burst(1_000_000, 1, 4096);
}

try {
  await blackHole();
  await slowUpstream();
} finally {
  for (const server of processes) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  await demo.stop();
}
