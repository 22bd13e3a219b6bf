/**
 * `npm run demo`: the five demo services on their own, for pointing a graph server (or
 * anything else) at them. Ports from `DEMO_PORT_BASE` (default 4001: personal 4001,
 * professional 4002, orders 4003, inventory 4004, notifications 4005); latency from
 * `DEMO_LATENCY_MS`; the contract's caching headers on reads unless
 * `DEMO_CACHE_HEADERS=off`. Each service takes `PUT /_demo/settings` to change its latency and fault.
 */
import { SERVICE_NAMES } from '../errors/service-name.js';
import { configOrExit, loadDemoServicesConfig } from '../server/config.js';
import { startDemoServices } from './services.js';

const config = configOrExit(loadDemoServicesConfig);
const demo = await startDemoServices({
  settings: { latencyMs: config.latencyMs, cacheHeaders: config.cacheHeaders },
  ports: Object.fromEntries(SERVICE_NAMES.map((name, i) => [name, config.portBase === 0 ? 0 : config.portBase + i])),
  host: config.host,
  ...(config.contractCheck
    ? { onContractViolation: (violation: string) => process.stderr.write(`contract violation: ${violation}\n`) }
    : {}),
});
for (const name of SERVICE_NAMES) process.stdout.write(`${name.toUpperCase()}_API_URL=${demo.urls[name]}\n`);
const stop = () => void demo.close().then(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
