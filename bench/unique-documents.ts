/**
 * What unique documents cost: an anonymous client can make every document it sends unique (an
 * alias, a space). Three builds of the same graph over the demo services, interleaved round by
 * round: compiled execution as shipped (a document compiled after `COMPILED_EXECUTION_AFTER` runs),
 * compiled at first sight (`COMPILED_EXECUTION_AFTER=0`, as before), and off. Each round sends
 * DOCUMENTS unique small documents once each from 8 clients, and reads the graph's CPU per
 * request and its resident memory from /proc.
 *
 *   npx tsx bench/unique-documents.ts            (after `npm run build`)
 *   UNIQUE_DOCUMENTS=3000 UNIQUE_ROUNDS=3 npx tsx bench/unique-documents.ts
 */
import { startBuiltGraph, type BuiltGraph } from './built-graph.js';
import { startDemoProcess } from './demo-process.js';
import { cpuSeconds, memory } from './load.js';

const DOCUMENTS = Number(process.env.UNIQUE_DOCUMENTS ?? 1500);
const ROUNDS = Number(process.env.UNIQUE_ROUNDS ?? 2);
const CLIENTS = 8;

const BUILDS: Record<string, Record<string, string>> = {
  'as shipped': {},
  'compiled at once': { COMPILED_EXECUTION_AFTER: '0' },
  'compilation off': { COMPILED_EXECUTION: 'off' },
};

/** Sends `count` unique documents, each once, from CLIENTS clients; the graph's CPU per request in ms. */
async function round(graph: BuiltGraph, count: number, offset: number): Promise<number> {
  const before = cpuSeconds(graph.child.pid!);
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let i = next++; i < count; i = next++) {
        const query = `{ user(id: "u${(i % 10) + 1}") { id d${offset + i}: personal { name } } }`;
        const response = await fetch(graph.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query }),
        });
        if (response.status !== 200) throw new Error(`status ${response.status}: ${await response.text()}`);
        await response.arrayBuffer();
      }
    }),
  );
  return ((cpuSeconds(graph.child.pid!) - before) * 1000) / count;
}

const demo = await startDemoProcess(0);
const graphs = await Promise.all(
  Object.entries(BUILDS).map(async ([name, env]) => ({ name, graph: await startBuiltGraph({ env: { ...demo.urlEnv, ...env } }) })),
);
const results = new Map<string, number[]>(graphs.map(({ name }) => [name, []]));
try {
  // Warm-up: the same kind of traffic, so that V8 has compiled the server's own code.
  for (const { graph } of graphs) await round(graph, DOCUMENTS, 1_000_000);
  for (let r = 0; r < ROUNDS; r++) {
    for (const { name, graph } of graphs) results.get(name)!.push(await round(graph, DOCUMENTS, r * DOCUMENTS));
  }
  const off = results.get('compilation off')!;
  console.log(`${DOCUMENTS} unique documents a round, ${CLIENTS} clients, ${ROUNDS} interleaved rounds`);
  console.log('| build | CPU ms a request, by round | / off, by round | RSS MiB at the end |');
  console.log('|---|---|---|---|');
  for (const { name, graph } of graphs) {
    const cpu = results.get(name)!;
    const ratios = cpu.map((value, i) => (value / off[i]!).toFixed(2));
    console.log(
      `| ${name} | ${cpu.map((v) => v.toFixed(3)).join(', ')} | ${ratios.join(', ')} | ${memory(graph.child.pid!).rss.toFixed(0)} |`,
    );
  }
} finally {
  for (const { graph } of graphs) graph.child.kill();
  await demo.stop();
}
