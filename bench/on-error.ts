/**
 * `npm run bench` (last part): the time to the answer of a profile query under each error
 * mode, with professional answering 500 at once (not retried) and orders taking 2 s, on the
 * demo services. PROPAGATE and NULL wait for orders and answer partially; HALT answers as
 * soon as professional has failed, and cancels the orders call.
 *
 * The graph runs as the tests run it (server/main.ts), with a 5 s time limit for orders so that
 * its 2 s answer is waited for rather than timed out; the demo services in a process of their
 * own. Sequential queries, ROUNDS per mode, every run bounded; the median and the slowest.
 */
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { startServerProcess } from '../test/support/server-process.js';
import { startDemoProcess } from './demo-process.js';

const ROUNDS = 7;
const ORDERS_MS = 2000;
const QUERY = '{ user(id: "u1") { personal { name } professional { title } orders(first: 3) { nodes { id } } } }';
const MODES = ['PROPAGATE', 'NULL', 'HALT'] as const;

const demo = await startDemoProcess(0);
const { server, url } = await startServerProcess({ ...demo.urlEnv, ORDERS_TIMEOUT_MS: '5000' });
try {
  await demo.configure('professional', { fault: 'error', errorStatus: 500 });
  await demo.configure('orders', { latencyMs: ORDERS_MS });
  const rows: string[] = [];
  const medians: Record<string, number> = {};
  for (const mode of MODES) {
    const times: number[] = [];
    let shape = '';
    for (let round = 0; round < ROUNDS; round += 1) {
      const started = performance.now();
      const { body } = await request(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body: JSON.stringify({ query: QUERY, onError: mode }),
      });
      const answer = (await body.json()) as { data: { user?: Record<string, unknown> } | null; errors?: unknown[] };
      times.push(performance.now() - started);
      shape =
        answer.data === null
          ? `data null, ${answer.errors?.length ?? 0} error`
          : `partial: orders ${answer.data.user?.orders === null ? 'null' : 'present'}, ${answer.errors?.length ?? 0} error`;
    }
    times.sort((a, b) => a - b);
    medians[mode] = times[Math.floor(times.length / 2)]!;
    rows.push(`| ${mode} | ${medians[mode].toFixed(0)} ms | ${times.at(-1)!.toFixed(0)} ms | ${shape} |`);
  }
  console.log(`\nTime to the answer, professional 500, orders ${ORDERS_MS} ms (${ROUNDS} queries per mode, one at a time)\n`);
  console.log('| onError | median | slowest | answer |\n|---|---|---|---|');
  for (const row of rows) console.log(row);
  console.log(`\nHALT answers ${(medians.PROPAGATE! / medians.HALT!).toFixed(0)}x sooner than PROPAGATE.`);
  const metrics = await (await request(`${url}/metrics`)).body.text();
  const counted = (name: string) => /\S+ (\d+)$/m.exec(metrics.split('\n').find((line) => line.startsWith(name)) ?? '')?.[1] ?? '0';
  const [halts, cancelled] = [counted('graphql_halts_total'), counted('graphql_halt_cancelled_calls_total')];
  console.log(`Halts counted: ${halts}; orders calls they cancelled: ${cancelled}.`);
} finally {
  server.child.kill('SIGTERM');
  await server.exited;
  await demo.stop();
}
