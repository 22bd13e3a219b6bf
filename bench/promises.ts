/**
 * How many promises a request makes, by where they are made: the built graph (or another build:
 * `GRAPH_ENTRY=dist-before/server/main.js`) answers one read scenario's requests one at a time
 * over the demo services, with bench/promise-counter.ts preloaded. A count, not a time: the same
 * build gives the same figure on every run, whatever else the machine does, where the CPU time of a
 * request moves from run to run. Each promise is an allocation and a turn of the promise queue.
 *
 *   npm run build && npx tsx bench/promises.ts S1 [requests]
 */
import { once } from 'node:events';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBodies } from './bodies.js';
import { startDemoProcess } from './demo-process.js';
import { startBuiltGraph } from './built-graph.js';

const scenario = (process.argv[2] ?? 'S1') as keyof typeof readBodies;
const requests = Number(process.argv[3] ?? 500);
const body = readBodies[scenario];
if (body === undefined) throw new Error(`no scenario ${scenario}: S1, S2 or S3`);

const report = join(mkdtempSync(join(tmpdir(), 'graph-promises-')), 'counts.json');
const demo = await startDemoProcess(1);
const { child, url } = await startBuiltGraph({
  nodeArgs: ['--import', new URL('./promise-counter.ts', import.meta.url).pathname],
  env: { ...demo.urlEnv, PROMISE_COUNTS: report },
  ...(process.env.GRAPH_ENTRY === undefined ? {} : { entry: process.env.GRAPH_ENTRY }),
});
const ask = async () => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body() });
  const answer = (await response.json()) as { errors?: unknown };
  if (answer.errors !== undefined) throw new Error(`an error answer: ${JSON.stringify(answer.errors)}`);
};
try {
  // Warm-up (documents compiled, pools opened), then the counted requests.
  for (let i = 0; i < 100; i++) await ask();
  // The graph handles the signal on its next turn, before the next request's bytes have crossed the socket.
  child.kill('SIGUSR1');
  for (let i = 0; i < requests; i++) await ask();
  child.kill('SIGUSR2');
  const counts = await reportOf(report);
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
  console.log(`${scenario}: ${(total / requests).toFixed(1)} promises a request (${requests} requests, one at a time)`);
  for (const [where, n] of Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .slice(0, Number(process.env.TOP ?? 30)))
    console.log(`${(n / requests).toFixed(2).padStart(8)}  ${where}`);
} finally {
  child.kill('SIGTERM');
  await once(child, 'exit');
  process.kill(demo.pid, 'SIGTERM');
}

/** The counts the graph writes when told (SIGUSR2), once it has written them: at most 5 s. */
async function reportOf(file: string): Promise<Record<string, number>> {
  for (let tries = 0; tries < 100; tries++) {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw new Error(`the graph wrote no counts to ${file}: was bench/promise-counter.ts preloaded?`);
}
