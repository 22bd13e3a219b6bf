import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { createDemoData, FAULTY_PROFILE_USERS } from '../demo/data.js';
import { startDemoProcess } from './demo-process.js';
import { closedLoop, cpuSeconds, pin } from './load.js';
const users = [...createDemoData().users.keys()].filter((id) => !FAULTY_PROFILE_USERS.includes(id));
const pick = <T>(l: readonly T[]) => l[Math.floor(Math.random() * l.length)]!;
const Q = process.env.Q ?? 'query S1($id: ID!) { user(id: $id) { id personal { name email city } professional { company title } orders(first: 5) { nodes { id totalCents } } } }';
pin(0);
const demo = await startDemoProcess(20);
pin(0, demo.pid);
const extra = JSON.parse(process.env.GENV ?? '{}') as Record<string, string>;
const args = (process.env.NODEARGS ?? '').split(' ').filter(Boolean);
const child = spawn('taskset', ['-c', '1', process.execPath, ...args, 'dist/server/main.js'], {
  env: { PATH: process.env.PATH!, NODE_ENV: 'production', PORT: '4590', HOST: '127.0.0.1', STATE_DB_PATH: '/tmp/exp.sqlite', RATE_LIMIT_REQUESTS: '0', ...demo.urlEnv, ...extra },
  stdio: ['ignore', process.env.LOGS === 'pipe' ? 'pipe' : 'ignore', 'inherit'],
});
if (process.env.LOGS === 'pipe') child.stdout!.on('data', () => undefined);
await delay(2500);
const url = 'http://127.0.0.1:4590';
const ids = () => { const c = new Set<string>(); while (c.size < 50) c.add(pick(users)); return [...c]; };
const body = () => JSON.stringify({ query: Q, variables: process.env.S2 ? { ids: ids() } : { id: pick(users) } });
await closedLoop({ url: `${url}/graphql`, seconds: 3, connections: 32, body });
for (let i = 0; i < 2; i++) {
  const c0 = cpuSeconds(child.pid!);
  const r = await closedLoop({ url: `${url}/graphql`, seconds: 6, connections: Number(process.env.CONN ?? 32), body });
  console.log(`${JSON.stringify(extra)} ${args.join(' ')} rps ${r.requests.average.toFixed(0)} p50 ${r.latency.p50} cpu ${(((cpuSeconds(child.pid!) - c0) / 6) * 100).toFixed(0)}% non2xx ${r.non2xx}`);
}
child.kill('SIGTERM');
await once(child, 'exit');
await demo.stop();
