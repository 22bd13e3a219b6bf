/**
 * Where the CPU goes, counted on the CPU: the built server (or a reference) under a closed loop of
 * one read scenario, as bench/profile.ts runs it, sampled by Linux `perf` (`cpu-clock`, every
 * thread of the process, kernel included) instead of V8's profiler.
 *
 *   npm run build && npx tsx bench/on-cpu.ts S3 [seconds] [clients]
 *
 * Why a second profiler: V8's samples its main thread by the clock, whatever the thread is doing,
 * so time spent blocked in a system call (a reference's synchronous log writes) or waiting for the
 * CPU while another thread of the process has it (a pool thread's write, a garbage collection helper:
 * the servers are pinned to one CPU) shows up as the function that made the call. `perf` counts
 * only what ran, in which thread; a sample in native or kernel code is charged to the innermost
 * JavaScript function on its stack, so a package's figure includes the natives it calls.
 *
 * `PROFILE_SERVER=Mercurius+guarantees` samples that reference instead; `PROFILE_ENV` and
 * `GRAPH_ENTRY` as bench/profile.ts takes them (bench/server-under-study.ts). Needs `perf`
 * (Debian: `linux-perf`) and the right to sample (root, or `kernel.perf_event_paranoid` at most 1).
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { readBodies } from './bodies.js';
import { startDemoProcess } from './demo-process.js';
import { closedLoop, cpuSeconds, pin } from './load.js';
import { placeOf } from './code-location.js';
import { referenceUnderStudy, startServerUnderStudy } from './server-under-study.js';

const scenario = (process.argv[2] ?? 'S3') as keyof typeof readBodies;
const seconds = Number(process.argv[3] ?? 10);
const clients = Number(process.argv[4] ?? 64);
const body = readBodies[scenario];
if (body === undefined) throw new Error(`no scenario ${scenario}: S1, S2 or S3`);
if (spawnSync('perf', ['--version']).status !== 0) throw new Error('perf is not installed (Debian: apt-get install linux-perf)');
const reference = referenceUnderStudy();

const { cpuMs, samples } = await sampled();
report(await samplesByPlace(samples), cpuMs);

/** The server under load, sampled for `seconds` after its warm-up: its CPU a request, and perf's samples. */
async function sampled(): Promise<{ cpuMs: number; samples: string }> {
  pin(0);
  const demo = await startDemoProcess(20);
  pin(0, demo.pid);
  // JIT-compiled functions by name in perf's samples (the map file V8 writes for perf).
  const nodeArgs = ['--perf-basic-prof-only-functions', '--interpreted-frames-native-stack', '--no-compact-code-space'];
  const { child, url } = await startServerUnderStudy(demo.urlEnv, nodeArgs);
  await closedLoop({ url, seconds: Number(process.env.PROFILE_WARM ?? 20), connections: clients, body });
  const samples = join(mkdtempSync(join(tmpdir(), 'graph-on-cpu-')), 'perf.data');
  const before = cpuSeconds(child.pid!);
  const perf = spawn(
    'perf',
    ['record', '-q', '-e', 'cpu-clock', '-F', '2000', '-g', '-p', String(child.pid), '-o', samples, '--', 'sleep', String(seconds)],
    {
      stdio: 'inherit',
    },
  );
  const result = await closedLoop({ url, seconds, connections: clients, body });
  await once(perf, 'exit');
  const cpuMs = ((cpuSeconds(child.pid!) - before) / result.requests.total) * 1000;
  console.log(
    `${reference ?? 'graph'}, ${scenario}, ${clients} clients, ${seconds} s: ${(result.requests.total / seconds).toFixed(0)} req/s, ` +
      `${cpuMs.toFixed(3)} ms CPU a request (perf's own cost included), ${result.non2xx + result.errors} errors; samples in ${samples}`,
  );
  child.kill('SIGTERM');
  await once(child, 'exit');
  await demo.stop();
  return { cpuMs, samples };
}

/**
 * Samples by where they ran: the main thread's by the package or folder of the innermost JavaScript
 * frame (or `(no JavaScript: event loop, I/O)`), and those of other threads by the thread's name.
 */
async function samplesByPlace(file: string): Promise<{ places: Map<string, number>; functions: Map<string, number>; total: number }> {
  const script = spawn('perf', ['script', '-i', file, '-F', 'comm,ip,sym'], { stdio: ['ignore', 'pipe', 'ignore'] });
  const places = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  let thread: string | undefined;
  let innermost: string | undefined;
  const count = () => {
    if (thread === undefined) return;
    total++;
    const place =
      thread !== 'MainThread'
        ? `thread ${thread}`
        : innermost === undefined
          ? '(no JavaScript: event loop, I/O)'
          : placeOf(innermost.replace(/^JS:\S*\s+'?/, '').replace(/:\d+:\d+$/, ''));
    places.set(place, (places.get(place) ?? 0) + 1);
    if (innermost !== undefined) functions.set(innermost, (functions.get(innermost) ?? 0) + 1);
  };
  for await (const line of createInterface({ input: script.stdout })) {
    if (line.trim() === '') continue;
    if (!line.startsWith('\t')) {
      count();
      thread = line.trim().split(/\s+/)[0];
      innermost = undefined;
      continue;
    }
    // A frame: `address symbol`; JavaScript frames are named `JS:*name url:line:column` by V8's map.
    const symbol = line.trim().replace(/^[0-9a-f]+ /, '');
    if (innermost === undefined && symbol.startsWith('JS:')) innermost = symbol;
  }
  count();
  return { places, functions, total };
}

function report({ places, functions, total }: Awaited<ReturnType<typeof samplesByPlace>>, cpuMs: number): void {
  const us = (n: number) => `${((n / total) * cpuMs * 1000).toFixed(1).padStart(7)} µs`;
  console.log('CPU a request by where it ran (natives and kernel charged to the JavaScript that called them):');
  for (const [place, n] of [...places].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`${us(n)}  ${place}`);
  console.log('costliest JavaScript functions, natives they call included:');
  for (const [name, n] of [...functions].sort((a, b) => b[1] - a[1]).slice(0, 25))
    console.log(
      `${us(n)}  ${name
        .replace(/^JS:\S*\s+/, '')
        .replace(/.*node_modules\//, '')
        .replace(/file:\/\/.*?\/(dist|bench)\//, '$1/')}`,
    );
}
