/**
 * What one upstream call costs the graph, apart from everything else a request does: a data
 * source's lookup (DataLoader, the service's call pipeline, the attempt, the answer's JSON and its
 * check) against undici's `request()` and `body.json()` making the same calls, the way a
 * hand-written fan-out makes them. Both in this process (pinned to CPU 1), the demo services in
 * another (CPU 0, no latency), in rounds that alternate; CPU microseconds a call from this
 * process's own counters. No GraphQL, no HTTP server of ours: the figure is the per-call path.
 *
 *   npm run build && npx tsx bench/calls.ts [rounds=8] [calls a round=20000] [concurrency=32]
 */
import { Pool } from 'undici';
import { createDemoData } from '../demo/data.js';
import type { Upstream as UpstreamClass } from '../datasources/upstream.js';
import type { RequestScope } from '../datasources/request-scope.js';
import { startDemoProcess } from './demo-process.js';
import { median, pin } from './load.js';

const [rounds = 8, perRound = 20_000, concurrency = 32] = process.argv.slice(2).map(Number);

// The built modules (`npm run build`; `GRAPH_DIST=dist-before` for another build), as the server runs them: tsx's
// transform of the sources adds work of its own to every closure made (esbuild's `__name`).
const dist = new URL(`../${process.env.GRAPH_DIST ?? 'dist'}/`, import.meta.url);
const built = async <T>(path: string): Promise<T> => (await import(new URL(path, dist).href)) as T;
const { Upstream } = await built<typeof import('../datasources/upstream.js')>('datasources/upstream.js');
const { PersonalDataSource } = await built<typeof import('../datasources/personal-datasource.js')>('datasources/personal-datasource.js');
const { loadConfig } = await built<typeof import('../server/config.js')>('server/config.js');
const { createGraphLogger } = await built<typeof import('../telemetry/logger.js')>('telemetry/logger.js');

pin(0);
const demo = await startDemoProcess(0);
pin(0, demo.pid);
pin(1);
const url = demo.urlEnv.PERSONAL_API_URL!;
const config = loadConfig({ ...demo.urlEnv, STATE_DB_PATH: ':memory:' });
const logger = createGraphLogger('warn');
const upstream = new Upstream('personal', url, config.upstreams.personal, logger);
// The same, without the HTTP cache in front of the pool: what the cache costs a call that it misses.
const uncached = new Upstream('personal', url, { ...config.upstreams.personal, cacheMaxBytes: 0 }, logger);
const pool = new Pool(url, { connections: config.upstreams.personal.maxConcurrency, pipelining: 1 });
const ids = [...createDemoData().users.keys()];
const never = new AbortController().signal;

/** One call the graph's way: a request's own data source (its DataLoader, no cache between requests). */
const graphCall =
  (through: UpstreamClass) =>
  async (n: number): Promise<void> => {
    const scope: RequestScope = {
      requestId: `bench-${n}`,
      authorization: undefined,
      signal: never,
      deadline: Date.now() + 10_000,
      trace: {},
    };
    const user = await new PersonalDataSource(through, scope).user(ids[n % ids.length]!);
    if (user === null) throw new Error('no user');
  };

/** The same call by hand. */
async function directCall(n: number): Promise<void> {
  const { statusCode, body } = await pool.request({
    method: 'GET',
    path: `/users/${ids[n % ids.length]!}`,
    headers: { accept: 'application/json', 'x-request-id': `bench-${n}` },
  });
  const user = (await body.json()) as { id?: string };
  if (statusCode !== 200 || user.id === undefined) throw new Error('no user');
}

/** CPU microseconds a call, `perRound` calls `concurrency` at a time. */
async function round(call: (n: number) => Promise<void>): Promise<number> {
  let next = 0;
  const before = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < perRound) await call(next++);
    }),
  );
  const used = process.cpuUsage(before);
  return (used.user + used.system) / perRound;
}

const all = [
  { name: 'graph', call: graphCall(upstream), cpu: [] as number[] },
  { name: 'graph without its HTTP cache', call: graphCall(uncached), cpu: [] as number[] },
  { name: 'undici request()', call: directCall, cpu: [] as number[] },
];
// `CALLS_ONLY=graph` (a name's start): one variant, for a profile (`node --cpu-prof --import tsx bench/calls.ts`).
const only = process.env.CALLS_ONLY;
const variants = only === undefined ? all : all.filter(({ name }) => name.startsWith(only)).slice(0, 1);
if (variants.length === 0) throw new Error(`CALLS_ONLY=${only}: one of ${all.map(({ name }) => name).join(', ')}`);
// Warm-up, then the measured rounds, each starting with another variant.
for (const { call } of variants) await round(call);
for (let i = 0; i < rounds; i++)
  for (let j = 0; j < variants.length; j++) {
    const variant = variants[(i + j) % variants.length]!;
    variant.cpu.push(await round(variant.call));
  }
const direct = median(variants.at(-1)!.cpu);
console.log(`CPU µs a call, median of ${rounds} rounds of ${perRound} calls, ${concurrency} at a time:`);
for (const { name, cpu } of variants) {
  const rounds = cpu.map((v) => v.toFixed(1)).join(' ');
  console.log(
    `  ${name.padEnd(30)} ${median(cpu).toFixed(1).padStart(6)} µs (${(median(cpu) / direct).toFixed(2)} x undici's; rounds ${rounds})`,
  );
}
await Promise.all([upstream.close(), uncached.close(), pool.close()]);
await demo.stop();
