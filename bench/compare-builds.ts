/**
 * Two builds of the graph side by side, without the profiler: the same read scenario in closed
 * loops, interleaved round by round, each server pinned to CPU 1 in turn (the demo services and
 * the load on CPU 0); CPU per request of each round and the ratio of the medians. For telling
 * what one change buys: build the commit before it into another folder, e.g.
 *
 *   git stash && npm run build && cp -r dist dist-before && git stash pop && npm run build
 *   npx tsx bench/compare-builds.ts S1 dist-before dist [rounds=4] [seconds=8] [clients=64]
 *
 * A side may carry settings of its own, to compare a setting on one build:
 *
 *   npx tsx bench/compare-builds.ts S1 dist:COMPILED_EXECUTION=off dist
 *
 * A side may be a reference instead (bench/references.ts), for the graph against it in more rounds
 * than the scenarios run (after `npm install --prefix bench/mercurius-guarded`):
 *
 *   npx tsx bench/compare-builds.ts S3 Mercurius+guarantees dist 12
 *
 * `COMPARE_BODY` sends one request body of its own instead of the scenario's (whose name is then
 * only a label), e.g. a flood of bad input:
 *
 *   COMPARE_BODY='{"query":"{ user(id: \"u1\") { orders(first: 1000) { nodes { id } } } }"}' \
 *     npx tsx bench/compare-builds.ts - dist-before dist 8 5 32
 *
 * Runs on a shared machine differ round to round (bench/README.md says by how much here): a small
 * change needs more rounds before its ratio means anything. The order alternates (A B, B A, ...) and each
 * round's own ratio is reported with how many rounds favour B: drift within a run cancels there.
 */
import { once } from 'node:events';
import { readBodies } from './bodies.js';
import { startDemoProcess } from './demo-process.js';
import { closedLoop, cpuSeconds, pin, median } from './load.js';
import { settingsOf, startBuiltGraph, type BuiltGraph } from './built-graph.js';
import { REFERENCES, startReference, type ReferenceName } from './references.js';
const [scenario = 'S1', a = 'dist-old', b = 'dist', roundsArg = '4', secondsArg = '8', clientsArg = '64'] = process.argv.slice(2);
// `COMPARE_BODY` compares the builds on one request body of its own instead (e.g. a flood of bad input).
const own = process.env.COMPARE_BODY;
const body = own === undefined ? readBodies[scenario as keyof typeof readBodies] : () => own;
const rounds = Number(roundsArg),
  seconds = Number(secondsArg),
  clients = Number(clientsArg);
pin(0);
const demo = await startDemoProcess(20);
pin(0, demo.pid);
/**
 * `dist` or `dist:NAME=value,NAME=value`: a build, and settings of its own (to compare a setting on
 * one build); or a reference's name (`Mercurius+guarantees`), to measure the graph against it.
 */
async function start(side: string): Promise<BuiltGraph> {
  if (side in REFERENCES) {
    const { child, endpoint } = await startReference(side as ReferenceName, { env: demo.urlEnv, cpu: 1 });
    return { child, url: endpoint };
  }
  // Split at the first colon only: a setting's value may hold more (a URL).
  const colon = side.indexOf(':');
  const [dist, settings] = colon < 0 ? [side, ''] : [side.slice(0, colon), side.slice(colon + 1)];
  return startBuiltGraph({ entry: `${dist}/server/main.js`, env: { ...demo.urlEnv, ...settingsOf(settings) } });
}
const servers = [await start(a), await start(b)];
// `COMPARE_WARMUP` seconds of load each before the first round (V8 keeps optimizing well after the first seconds).
const warmup = Number(process.env.COMPARE_WARMUP ?? 5);
for (const s of servers) await closedLoop({ url: s.url, seconds: warmup, connections: clients, body });
const res: number[][] = [[], []];
// A B, then B A: the machine drifts within a run (one build's rounds can differ by half again), and
// a fixed order would hand the drift to one side.
for (let r = 0; r < rounds; r++)
  for (const i of r % 2 === 0 ? [0, 1] : [1, 0]) {
    const s = servers[i]!;
    const before = cpuSeconds(s.child.pid!);
    const out = await closedLoop({ url: s.url, seconds, connections: clients, body });
    const ms = ((cpuSeconds(s.child.pid!) - before) / out.requests.total) * 1000;
    res[i]!.push(ms);
    console.log(
      `${i === 0 ? a : b}: ${(out.requests.total / seconds).toFixed(0)} req/s, ` +
        `${ms.toFixed(3)} ms CPU a request, ${out.non2xx + out.errors} errors`,
    );
  }
// Each round's own ratio, B over A measured back to back: what drift leaves least of.
const paired = res[1]!.map((ms, r) => ms / res[0]![r]!);
const [medianA, medianB] = [median(res[0]!), median(res[1]!)];
console.log(
  `median ${a} ${medianA.toFixed(3)}  ${b} ${medianB.toFixed(3)}  ratio ${(medianB / medianA).toFixed(3)}; ` +
    `round by round ${median(paired).toFixed(3)} (median), ${b} lower in ${paired.filter((ratio) => ratio < 1).length} of ${rounds}`,
);
for (const s of servers) {
  s.child.kill('SIGTERM');
  await once(s.child, 'exit');
}
await demo.stop();
