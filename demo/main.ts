/**
 * `npm run demo`: the five demo services on their own, for pointing a graph server (or
 * anything else) at them. Ports from `DEMO_PORT_BASE` (default 4001: personal 4001,
 * professional 4002, orders 4003, inventory 4004, notifications 4005); latency from
 * `DEMO_LATENCY_MS`. Each service takes `PUT /_demo/settings` to change its latency and fault.
 */
import { SERVICE_NAMES } from '../server/config.js';
import { startDemoServices } from './services.js';

const base = Number(process.env.DEMO_PORT_BASE ?? 4001);
const latencyMs = Number(process.env.DEMO_LATENCY_MS ?? 0);
if (!Number.isInteger(base) || base < 1 || base > 65_530 || !Number.isInteger(latencyMs) || latencyMs < 0) {
  process.stderr.write('DEMO_PORT_BASE must be a port and DEMO_LATENCY_MS a whole number of ms\n');
  process.exit(2);
}

const demo = await startDemoServices({
  settings: { latencyMs },
  ports: Object.fromEntries(SERVICE_NAMES.map((name, i) => [name, base + i])),
  host: process.env.DEMO_HOST ?? '127.0.0.1',
});
for (const name of SERVICE_NAMES) process.stdout.write(`${name.toUpperCase()}_API_URL=${demo.urls[name]}\n`);
process.on('SIGTERM', () => void demo.close().then(() => process.exit(0)));
process.on('SIGINT', () => void demo.close().then(() => process.exit(0)));
