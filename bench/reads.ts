/**
 * `npm run bench`: the read path over the demo services at 50 ms latency each.
 *
 * Measures, in one run:
 * - the floor: the profile's three upstream calls made directly, one after another and all at once,
 * - the profile query (personal, professional and orders of one user) through the graph against
 *   them: concurrent fan-out makes it cost the slowest call, not the sum of three,
 * - the upstream calls made by `users(ids: [100 ids]) { personal { name } professional { title } }`.
 *
 * Everything runs on 127.0.0.1; every loop is bounded.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { createLogger } from 'graphql-yoga';
import { request } from 'undici';
import { createApp } from '../server/app.js';
import { SERVICE_NAMES } from '../errors/service-name.js';
import { loadConfig } from '../server/config.js';
import { startDemoServices } from '../demo/services.js';
import { FAULTY_PROFILE_USERS } from '../demo/data.js';

const LATENCY_MS = 50;
const RUNS = 30;

const demo = await startDemoServices({ settings: { latencyMs: LATENCY_MS, cacheHeaders: false } });
const env = Object.fromEntries(SERVICE_NAMES.map((s) => [`${s.toUpperCase()}_API_URL`, demo.urls[s]]));
const app = createApp({
  config: loadConfig({ ...env, STATE_DB_PATH: ':memory:', RATE_LIMIT_REQUESTS: '0' }),
  urls: demo.urls,
  logger: createLogger('silent'),
});
const server = createServer(app.listener);
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const graphql = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;

async function query(text: string, variables: Record<string, unknown> = {}): Promise<void> {
  const { statusCode, body } = await request(graphql, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: text, variables }),
  });
  const answer = (await body.json()) as { errors?: unknown[] };
  if (statusCode !== 200 || answer.errors !== undefined) throw new Error(`unexpected answer: ${JSON.stringify(answer)}`);
}

/** Median wall time in ms of `RUNS` sequential runs, after two warm-ups. */
async function median(run: () => Promise<void>): Promise<number> {
  await run();
  await run();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const callsBy = () => Object.fromEntries(SERVICE_NAMES.map((s) => [s, [...demo.servers[s].calls.values()].reduce((a, b) => a + b, 0)]));
const resetCalls = () => SERVICE_NAMES.forEach((s) => demo.servers[s].calls.clear());

try {
  const direct = async (url: string) => {
    const { body } = await request(url);
    await body.dump();
  };
  const profileCalls = [
    `${demo.urls.personal}/users/u1`,
    `${demo.urls.professional}/profiles/u1`,
    `${demo.urls.orders}/users/u1/orders?limit=5`,
  ];
  const floor = await median(() => direct(profileCalls[0]!));
  // The same three calls made directly: one after another, and all at once (the floor of a fan-out).
  const sequential = await median(async () => {
    for (const url of profileCalls) await direct(url);
  });
  const parallel = await median(async () => {
    await Promise.all(profileCalls.map(direct));
  });

  // A different user each run, so that nothing is answered from a cache; not the ones made to fail.
  const users = [...demo.data.users.keys()].filter((id) => !FAULTY_PROFILE_USERS.includes(id));
  let next = 0;
  const profile = await median(() =>
    query(
      'query($id: ID!) { user(id: $id) { personal { name email } professional { title company } ' +
        'orders(first: 5) { nodes { id totalCents } } } }',
      { id: users[next++]! },
    ),
  );

  const ids = Array.from({ length: 100 }, (_, i) => `u${i + 101}`);
  resetCalls();
  const listStart = performance.now();
  await query('query($ids: [ID!]!) { users(ids: $ids) { personal { name } professional { title } } }', { ids });
  const listTime = performance.now() - listStart;
  const listCalls = callsBy();
  const totalCalls = Object.values(listCalls).reduce((a, b) => a + b, 0);

  console.log(`demo services at ${LATENCY_MS} ms latency each, ${RUNS} runs, median`);
  console.log(`one direct upstream call:                    ${floor.toFixed(1)} ms`);
  console.log(`the profile's 3 calls made directly, in turn: ${sequential.toFixed(1)} ms`);
  console.log(`the profile's 3 calls made directly, at once: ${parallel.toFixed(1)} ms`);
  console.log(
    `profile query through the graph:             ${profile.toFixed(1)} ms = ${(profile / parallel).toFixed(2)} x the direct fan-out, ` +
      `${(profile / sequential).toFixed(2)} x the calls in turn`,
  );
  console.log(
    `users(100 ids) { personal professional }:     ${totalCalls} upstream calls ${JSON.stringify(listCalls)} in ${listTime.toFixed(1)} ms`,
  );
} finally {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  await app.close();
  await demo.close();
}
