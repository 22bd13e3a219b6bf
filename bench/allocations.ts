/**
 * What the graph allocates a request, by function: the built server under a closed loop of one
 * read scenario (as bench/profile.ts runs it), with V8's sampling heap profiler on through the
 * inspector, counting every sampled allocation, the ones garbage collection has taken since
 * included (`--heap-prof` keeps only what is still alive at the end, which says nothing of the
 * allocation rate that garbage collection pays for).
 *
 *   npm run build && npx tsx bench/allocations.ts S2 [seconds] [clients]
 *
 * `GRAPH_ENTRY=dist-before/server/main.js` measures another build.
 */
import { once } from 'node:events';
import { readBodies } from './bodies.js';
import { startDemoProcess } from './demo-process.js';
import { closedLoop, pin } from './load.js';
import { startBuiltGraph } from './built-graph.js';
import { frameOf, placeOf, type CallFrame } from './code-location.js';

const scenario = (process.argv[2] ?? 'S2') as keyof typeof readBodies;
const seconds = Number(process.argv[3] ?? 6);
const clients = Number(process.argv[4] ?? 16);
const body = readBodies[scenario];
if (body === undefined) throw new Error(`no scenario ${scenario}: S1, S2 or S3`);
const INSPECTOR_PORT = 9339;

interface SampledNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children: SampledNode[];
}
interface SamplingProfile {
  readonly head: SampledNode;
  readonly samples: readonly { size: number; nodeId: number }[];
}

pin(0);
const demo = await startDemoProcess(20);
pin(0, demo.pid);
const { child, url } = await startBuiltGraph({
  nodeArgs: [`--inspect=127.0.0.1:${INSPECTOR_PORT}`],
  env: demo.urlEnv,
  // Another build: `GRAPH_ENTRY=dist-before/server/main.js`.
  ...(process.env.GRAPH_ENTRY === undefined ? {} : { entry: process.env.GRAPH_ENTRY }),
});
const [target] = (await (await fetch(`http://127.0.0.1:${INSPECTOR_PORT}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
const inspector = new WebSocket(target!.webSocketDebuggerUrl);
await once(inspector, 'open');
const answers = new Map<number, (result: unknown) => void>();
inspector.addEventListener('message', (event) => {
  const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
  if (message.id !== undefined) answers.get(message.id)?.(message.result);
});
let sent = 0;
const command = <T>(method: string, params: object = {}): Promise<T> =>
  new Promise((resolve) => {
    const id = ++sent;
    answers.set(id, (result) => resolve(result as T));
    inspector.send(JSON.stringify({ id, method, params }));
  });

// Warm-up, then the measured loop.
await closedLoop({ url, seconds: 3, connections: clients, body });
await command('HeapProfiler.enable');
await command('HeapProfiler.startSampling', {
  samplingInterval: 16_384,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
const result = await closedLoop({ url, seconds, connections: clients, body });
const { profile } = await command<{ profile: SamplingProfile }>('HeapProfiler.stopSampling');
inspector.close();
child.kill('SIGTERM');
await once(child, 'exit');
await demo.stop();

const requests = result.requests.total;
const bytes = new Map<number, number>();
const add = <K>(sums: Map<K, number>, key: K, n: number) => sums.set(key, (sums.get(key) ?? 0) + n);
for (const sample of profile.samples) add(bytes, sample.nodeId, sample.size);
const byFunction = new Map<string, number>();
const byPackage = new Map<string, number>();
let total = 0;
const visit = (node: SampledNode): void => {
  const own = bytes.get(node.id) ?? 0;
  total += own;
  add(byFunction, frameOf(node.callFrame), own);
  add(byPackage, placeOf(node.callFrame.url), own);
  node.children.forEach(visit);
};
visit(profile.head);
const kib = (n: number) => `${(n / requests / 1024).toFixed(1).padStart(7)} KiB`;
const top = (sums: Map<string, number>, count: number) => [...sums].sort((a, b) => b[1] - a[1]).slice(0, count);
console.log(`${scenario}, ${clients} clients, ${seconds} s: ${requests} requests, ${kib(total).trim()} allocated a request`);
console.log('by package or folder:');
for (const [name, n] of top(byPackage, 15)) console.log(`  ${kib(n)}  ${name}`);
console.log('by function:');
for (const [key, n] of top(byFunction, 30)) console.log(`  ${kib(n)}  ${key}`);
