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
 * Runs on this machine differ by 10-20 % round to round: a change smaller than that needs
 * more rounds before its ratio means anything.
 */
import { once } from 'node:events';
import { readBodies } from './bodies.js';
import { startDemoProcess } from './demo-process.js';
import { closedLoop, cpuSeconds, pin, median } from './load.js';
import { startBuiltGraph, type BuiltGraph } from './built-graph.js';
const [scenario = 'S1', a = 'dist-old', b = 'dist', roundsArg = '4', secondsArg = '8', clientsArg = '64'] = process.argv.slice(2);
const body = readBodies[scenario as keyof typeof readBodies];
const rounds = Number(roundsArg),
  seconds = Number(secondsArg),
  clients = Number(clientsArg);
pin(0);
const demo = await startDemoProcess(20);
pin(0, demo.pid);
/** `dist` or `dist:NAME=value,NAME=value`: a build, and settings of its own (to compare a setting on one build). */
function start(side: string): Promise<BuiltGraph> {
  const [dist = 'dist', settings = ''] = side.split(':');
  const own = Object.fromEntries(settings.split(',').flatMap((pair) => (pair.includes('=') ? [pair.split('=') as [string, string]] : [])));
  return startBuiltGraph({ entry: `${dist}/server/main.js`, env: { ...demo.urlEnv, ...own } });
}
const servers = [await start(a), await start(b)];
for (const s of servers) await closedLoop({ url: s.url, seconds: 5, connections: clients, body });
const res: number[][] = [[], []];
for (let r = 0; r < rounds; r++)
  for (let i = 0; i < 2; i++) {
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
console.log(
  `median ${a} ${median(res[0]!).toFixed(3)}  ${b} ${median(res[1]!).toFixed(3)}  ratio ${(median(res[1]!) / median(res[0]!)).toFixed(3)}`,
);
for (const s of servers) {
  s.child.kill('SIGTERM');
  await once(s.child, 'exit');
}
await demo.stop();
