/**
 * S5, hot reads: the profile query over a hot set of 50 users, each read by its own user
 * (authentication on, each request with that user's token), the demo services sending the
 * contract's caching headers (personal and orders `private`, professional `public` with an ETag),
 * 64 clients. The graph with its upstream cache (`UPSTREAM_CACHE=memory`, the default) against the
 * same build with `UPSTREAM_CACHE=off`, and Mercurius with the guarantees a Fastify team would add
 * (bench/mercurius-guarded/: its undici cache keeps only the public answers, as a shared cache
 * must; it verifies no token), interleaved round by round, each warmed first: upstream
 * calls per request, CPU per request, requests a second, p50 and p99; and the p50 of an answer
 * with no upstream wait (`{ __typename }`) on the cached graph, for scale.
 *
 *   npm run build && npm install --prefix bench/mercurius-guarded && npx tsx bench/hot-reads.ts
 *   HOT_ROUNDS=3 HOT_SECONDS=10 npx tsx bench/hot-reads.ts
 */
import { performance } from 'node:perf_hooks';
import { SignJWT } from 'jose';
import { Pool } from 'undici';
import { createDemoData, FAULTY_PROFILE_USERS } from '../demo/data.js';
import { startBuiltGraph } from './built-graph.js';
import { startReference } from './references.js';
import { startDemoProcess } from './demo-process.js';
import { cpuSeconds, percentile, pin } from './load.js';

const LATENCY_MS = 20;
const CLIENTS = 64;
const SECONDS = Number(process.env.HOT_SECONDS ?? 8);
const ROUNDS = Number(process.env.HOT_ROUNDS ?? 2);
const WARMUP_SECONDS = Number(process.env.HOT_WARMUP ?? 20);
const SECRET = 'bench-secret-of-at-least-thirty-two-characters';
const QUERY =
  'query S5($id: ID!) { user(id: $id) { id personal { name email city } professional { company title } ' +
  'orders(first: 5) { nodes { id totalCents } } } }';

const hotSet = [...createDemoData().users.keys()].filter((id) => !FAULTY_PROFILE_USERS.includes(id)).slice(0, 50);
const key = new TextEncoder().encode(SECRET);
const tokens = await Promise.all(
  hotSet.map((id) => new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(id).setIssuedAt().setExpirationTime('2h').sign(key)),
);

/** A server measured: its endpoint and process. */
interface Target {
  readonly url: string;
  readonly child: { readonly pid?: number | undefined; kill(): boolean };
}

interface Round {
  requests: number;
  errors: number;
  cpuMsPerRequest: number;
  callsPerRequest: number;
  p50: number;
  p99: number;
}

/** CLIENTS clients for `seconds`, each asking for a random hot user with that user's token. */
async function loop(
  graph: Target,
  seconds: number,
  body: (i: number) => { body: string; token: string },
): Promise<Omit<Round, 'cpuMsPerRequest' | 'callsPerRequest'>> {
  const origin = new URL(graph.url);
  const pool = new Pool(origin.origin, { connections: CLIENTS });
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (performance.now() < end) {
        const i = Math.floor(Math.random() * hotSet.length);
        const request = body(i);
        const start = performance.now();
        const response = await pool.request({
          method: 'POST',
          path: origin.pathname,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${request.token}` },
          body: request.body,
        });
        const text = await response.body.text();
        latencies.push(performance.now() - start);
        if (response.statusCode !== 200 || text.includes('"errors"')) errors += 1;
      }
    }),
  );
  await pool.close();
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, errors, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

const profile = (i: number) => ({ body: JSON.stringify({ query: QUERY, variables: { id: hotSet[i] } }), token: tokens[i]! });
const typename = (i: number) => ({ body: JSON.stringify({ query: '{ __typename }' }), token: tokens[i]! });

pin(0);
const demo = await startDemoProcess(LATENCY_MS, true);
pin(0, demo.pid);
const env = { ...demo.urlEnv, AUTH_JWT_SECRET: SECRET };
const guarded = await startReference('Mercurius+guarantees', { env, cpu: 1 });
const graphs: { name: string; graph: Target }[] = [
  { name: 'cache on', graph: await startBuiltGraph({ env }) },
  { name: 'cache off', graph: await startBuiltGraph({ env: { ...env, UPSTREAM_CACHE: 'off' } }) },
  { name: 'Mercurius+guarantees', graph: { url: guarded.endpoint, child: guarded.child } },
];
const results = new Map<string, Round[]>(graphs.map(({ name }) => [name, []]));
try {
  for (const { graph } of graphs) await loop(graph, WARMUP_SECONDS, profile);
  for (let r = 0; r < ROUNDS; r++) {
    for (const { name, graph } of graphs) {
      const calls = await demo.calls();
      const cpu = cpuSeconds(graph.child.pid!);
      const round = await loop(graph, SECONDS, profile);
      results.get(name)!.push({
        ...round,
        cpuMsPerRequest: ((cpuSeconds(graph.child.pid!) - cpu) * 1000) / round.requests,
        callsPerRequest: ((await demo.calls()) - calls) / round.requests,
      });
    }
  }
  const bare = await loop(graphs[0]!.graph, SECONDS, typename);
  console.log(`S5: ${CLIENTS} clients, ${hotSet.length} hot users each with their own token, ${ROUNDS} interleaved rounds of ${SECONDS} s`);
  console.log('| graph | req/s | upstream calls / request | CPU ms / request | p50 ms | p99 ms | errors |');
  console.log('|---|---|---|---|---|---|---|');
  const list = (values: number[], digits: number) => values.map((v) => v.toFixed(digits)).join(', ');
  for (const { name } of graphs) {
    const rounds = results.get(name)!;
    console.log(
      `| ${name} | ${list(
        rounds.map((r) => r.requests / SECONDS),
        0,
      )} | ${list(
        rounds.map((r) => r.callsPerRequest),
        3,
      )} | ` +
        `${list(
          rounds.map((r) => r.cpuMsPerRequest),
          3,
        )} | ${list(
          rounds.map((r) => r.p50),
          1,
        )} | ${list(
          rounds.map((r) => r.p99),
          1,
        )} | ` +
        `${rounds.reduce((sum, r) => sum + r.errors, 0)} |`,
    );
  }
  const [on, off] = [results.get('cache on')!, results.get('cache off')!];
  const reference = results.get('Mercurius+guarantees')!;
  const ratio = (a: Round[], b: Round[]) => a.map((r, i) => (r.cpuMsPerRequest / b[i]!.cpuMsPerRequest).toFixed(2)).join(', ');
  console.log(`CPU per request, cache on / off, by round: ${ratio(on, off)}`);
  console.log(`CPU per request, cache on / Mercurius+guarantees, by round: ${ratio(on, reference)}`);
  console.log(`CPU per request, cache off / Mercurius+guarantees, by round: ${ratio(off, reference)}`);
  console.log(`{ __typename } on the cached graph: p50 ${bare.p50.toFixed(1)} ms, p99 ${bare.p99.toFixed(1)} ms`);
} finally {
  for (const { graph } of graphs) graph.child.kill();
  await demo.stop();
}
