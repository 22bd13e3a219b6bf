import { createDemoData, FAULTY_PROFILE_USERS } from '../demo/data.js';
import { freshStatePath, startServerProcess } from '../test/support/server-process.js';
import { startDemoProcess } from './demo-process.js';
import { closedLoop, cpuSeconds, pin } from './load.js';
const users = [...createDemoData().users.keys()].filter((id) => !FAULTY_PROFILE_USERS.includes(id));
const pick = <T>(l: readonly T[]) => l[Math.floor(Math.random() * l.length)]!;
const Q = process.env.Q ?? 'query S1($id: ID!) { user(id: $id) { id personal { name email city } professional { company title } orders(first: 5) { nodes { id totalCents } } } }';
pin(0);
const demo = await startDemoProcess(20);
pin(0, demo.pid);
const extra = JSON.parse(process.env.GENV ?? '{}') as Record<string, string>;
const { server, url } = await startServerProcess({ ...demo.urlEnv, STATE_DB_PATH: freshStatePath(), RATE_LIMIT_REQUESTS: '0', ...extra }, { built: true, cpu: 1 });
const body = () => JSON.stringify({ query: Q, variables: { id: pick(users) } });
await closedLoop({ url: `${url}/graphql`, seconds: 3, connections: 32, body });
for (let i = 0; i < 2; i++) {
  const c0 = cpuSeconds(server.child.pid!);
  const r = await closedLoop({ url: `${url}/graphql`, seconds: 6, connections: Number(process.env.CONN ?? 32), body });
  console.log(`${JSON.stringify(extra)} rps ${r.requests.average.toFixed(0)} p50 ${r.latency.p50} cpu ${(((cpuSeconds(server.child.pid!) - c0) / 6) * 100).toFixed(0)}% non2xx ${r.non2xx}`);
}
server.child.kill(process.env.SIG === 'TERM' ? 'SIGTERM' : 'SIGKILL');
await server.exited;
await demo.stop();
