/**
 * Where the graph's CPU goes: the built server (production mode, pinned to CPU 1) under a
 * closed loop of one read scenario against the demo services (20 ms a call), with V8's
 * sampling profiler on (`--cpu-prof`); then the profile's self time by package or project
 * folder, and its 25 costliest functions. The `.cpuprofile` stays for Chrome's DevTools.
 *
 *   npm run build && npx tsx bench/profile.ts S1 [seconds] [clients]
 *
 * `PROFILE_SERVER=Mercurius` (or `Apollo`, `fan-out`) profiles that reference instead, under
 * the same load: where the graph spends what the reference does not.
 *
 * `PROFILE_WARM=30` loads the server 30 s before the profile instead of 4: the profile of a server
 * V8 has finished optimizing (after a few seconds it is still compiling the request path).
 *
 * `PROFILE_ENV="PROFESSIONAL_API_URL=http://127.0.0.1:9"` adds settings to the graph's environment
 * (`NAME=value` pairs, comma-separated, as `bench/compare-builds.ts` takes a side's): here, the
 * professional service down, to see what a partial outage costs.
 */
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBodies } from './bodies.js';
import { startDemoProcess } from './demo-process.js';
import { closedLoop, cpuSeconds, pin } from './load.js';
import { startServerUnderStudy } from './server-under-study.js';
import { frameOf, placeOf, type CallFrame } from './code-location.js';

const scenario = (process.argv[2] ?? 'S1') as keyof typeof readBodies;
const seconds = Number(process.argv[3] ?? 10);
const clients = Number(process.argv[4] ?? 64);
const body = readBodies[scenario];
if (body === undefined) throw new Error(`no scenario ${scenario}: S1, S2 or S3`);

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
}

pin(0);
const demo = await startDemoProcess(20);
pin(0, demo.pid);
const dir = mkdtempSync(join(tmpdir(), 'graph-profile-'));
const nodeArgs = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
const { child, url } = await startServerUnderStudy(demo.urlEnv, nodeArgs);
// Warm-up, then the measured loop.
await closedLoop({ url, seconds: Number(process.env.PROFILE_WARM ?? 4), connections: clients, body });
const before = cpuSeconds(child.pid!);
const result = await closedLoop({ url, seconds, connections: clients, body });
const cpu = cpuSeconds(child.pid!) - before;
const requests = result.requests.total;
console.log(
  `${scenario}, ${clients} clients, ${seconds} s: ${(requests / seconds).toFixed(0)} req/s, ` +
    `${((cpu / requests) * 1000).toFixed(3)} ms CPU a request, ${result.non2xx + result.errors} errors`,
);
child.kill('SIGTERM');
await once(child, 'exit');
await demo.stop();

const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'))!;
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  endTime: number;
};
// Only the samples of the measured loop (the last `seconds` before the stop), not start-up or warm-up; idle time left out.
const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const hits = new Map<ProfileNode, number>();
let at = profile.endTime - profile.timeDeltas.reduce((sum, delta) => sum + delta, 0);
profile.samples.forEach((id, i) => {
  at += profile.timeDeltas[i]!;
  const node = byId.get(id)!;
  if (at < profile.endTime - seconds * 1e6 - 1e6 || node.callFrame.functionName === '(idle)') return;
  hits.set(node, (hits.get(node) ?? 0) + 1);
});
const total = [...hits.values()].reduce((sum, n) => sum + n, 0);
const tally = (key: (node: ProfileNode) => string): [string, number][] => {
  const sums = new Map<string, number>();
  for (const [node, n] of hits) sums.set(key(node), (sums.get(key(node)) ?? 0) + n);
  return [...sums].sort((a, b) => b[1] - a[1]);
};
const share = (hits: number) => `${((hits / total) * 100).toFixed(1).padStart(5)} %`;
console.log(`profile: ${join(dir, file)}\nself time by package or folder:`);
for (const [name, hits] of tally((node) => placeOf(node.callFrame.url)).slice(0, 25)) console.log(`  ${share(hits)}  ${name}`);
console.log('costliest functions (self time):');
for (const [name, hits] of tally((node) => frameOf(node.callFrame)).slice(0, 25)) console.log(`  ${share(hits)}  ${name}`);
