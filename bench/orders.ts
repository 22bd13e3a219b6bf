/**
 * `npm run bench` (third part): `placeOrder`.
 *
 * - Its latency against its floor: the slower of creating the order and reserving the stock
 *   (made at once, directly against the services), plus the email sent at once.
 * - The closed-loop throughput of concurrent orders, with the state in SQLite and in Redis.
 *
 * The graph runs built, in its own process; the demo services (20 ms each) in another; the
 * load generator and a Redis server (Debian's, on a free port) beside them. Every order has a
 * fresh idempotency key, a random user and one unit of a random product in stock.
 */
import { performance } from 'node:perf_hooks';
import { request } from 'undici';
import { createDemoData, OUT_OF_STOCK_PRODUCTS } from '../demo/data.js';
import { startRedis } from '../test/support/redis-server.js';
import { freshStatePath, startServerProcess } from '../test/support/server-process.js';
import { startDemoProcess } from './demo-process.js';
import { closedLoop, median } from './load.js';

const LATENCY_MS = 20;
const RUNS = 30;
const SECONDS = 8;
const CONNECTIONS = 32;

const PLACE = 'mutation($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } confirmationEmail userErrors { code } } }';

const data = createDemoData();
const users = [...data.users.keys()];
const products = [...data.products.keys()].filter((id) => !OUT_OF_STOCK_PRODUCTS.includes(id));
const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;
let sequence = 0;
const nextKey = () => `bench-${process.pid}-${++sequence}`;
const orderBody = () =>
  JSON.stringify({
    query: PLACE,
    variables: { input: { userId: pick(users), items: [{ productId: pick(products), quantity: 1 }], idempotencyKey: nextKey() } },
  });

interface Answer {
  data?: { placeOrder?: { order: unknown; confirmationEmail: string | null; userErrors: { code: string }[] } } | null;
  errors?: { extensions?: { code?: string } }[];
}

function outcome(answer: Answer): string {
  const payload = answer.data?.placeOrder;
  if (payload === undefined || payload === null) return answer.errors?.[0]?.extensions?.code ?? 'no answer';
  return payload.order === null ? (payload.userErrors[0]?.code ?? 'refused') : `placed/${payload.confirmationEmail}`;
}

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  const response = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await response.body.text();
  return { status: response.statusCode, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

const demo = await startDemoProcess(LATENCY_MS);
const redis = await startRedis();
const api = (service: string) => demo.urlEnv[`${service.toUpperCase()}_API_URL`]!;

try {
  // The floor: order and reservation made at once, then the email, directly against the services.
  const floorTimes: number[] = [];
  for (let i = 0; i < RUNS + 2; i++) {
    const orderId = `floor-${process.pid}-${i}`;
    const items = [{ productId: pick(products), quantity: 1 }];
    const start = performance.now();
    await Promise.all([
      post(`${api('orders')}/orders`, JSON.stringify({ orderId, userId: pick(users), items }), { 'idempotency-key': `${orderId}:create` }),
      post(`${api('inventory')}/reservations`, JSON.stringify({ orderId, items }), { 'idempotency-key': `${orderId}:reserve` }),
    ]);
    await post(
      `${api('notifications')}/emails`,
      JSON.stringify({ to: 'bench@example.com', template: 'order_confirmation', data: { orderId } }),
      {
        'idempotency-key': `${orderId}:email`,
      },
    );
    if (i >= 2) floorTimes.push(performance.now() - start);
  }
  const floor = median(floorTimes);
  console.log(`placeOrder; demo services at ${LATENCY_MS} ms each; graph built, in its own process`);
  console.log(`floor (order and reservation at once, then the email, made directly): ${floor.toFixed(1)} ms (median of ${RUNS})`);

  const backends: [string, Record<string, string>][] = [
    ['SQLite', { STATE_DB_PATH: freshStatePath() }],
    ['Redis', { REDIS_URL: redis.url, REDIS_PREFIX: `bench${process.pid}` }],
  ];
  for (const [name, env] of backends) {
    const { server, url } = await startServerProcess({ ...demo.urlEnv, ...env }, { built: true });
    try {
      const outcomes: Record<string, number> = {};
      const times: number[] = [];
      for (let i = 0; i < RUNS + 2; i++) {
        const start = performance.now();
        const { json } = await post(`${url}/graphql`, orderBody());
        const key = outcome(json as Answer);
        if (i >= 2) times.push(performance.now() - start);
        outcomes[key] = (outcomes[key] ?? 0) + 1;
      }
      const latency = median(times);

      const loadOutcomes: Record<string, number> = {};
      const load = await closedLoop({
        url: `${url}/graphql`,
        seconds: SECONDS,
        connections: CONNECTIONS,
        body: orderBody,
        onResponse: (_status, text) => {
          const key = outcome(JSON.parse(text) as Answer);
          loadOutcomes[key] = (loadOutcomes[key] ?? 0) + 1;
        },
      });
      console.log(`${name}:`);
      console.log(
        `  one at a time: median ${latency.toFixed(1)} ms = floor + ${(latency - floor).toFixed(1)} ms ` +
          `(${(latency / floor).toFixed(2)} x); ${JSON.stringify(outcomes)}`,
      );
      console.log(
        `  ${CONNECTIONS} at a time for ${SECONDS} s: ${load.requests.average.toFixed(0)} orders/s, p50 ${load.latency.p50} ms, ` +
          `p99 ${load.latency.p99} ms; ${JSON.stringify(loadOutcomes)}`,
      );
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }
} finally {
  await redis.stop();
  await demo.stop();
}
