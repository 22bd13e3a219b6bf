/**
 * The floor of the benchmark's server side: the same upstream calls the graph makes for S1,
 * S2 and S3, made by hand with undici as concurrently as the contract allows, answered as the
 * same JSON, with no GraphQL engine, no validation, no policies. What the graph costs beyond
 * this is the price of being a graph. Not part of the product.
 *
 * It answers `POST /graphql` with `{"query": "query S1(…", "variables": …}`, telling the
 * scenario by the operation's name; anything else is a 400.
 *
 *   PORT=0 PERSONAL_API_URL=… PROFESSIONAL_API_URL=… ORDERS_API_URL=… INVENTORY_API_URL=… node --import tsx bench/fanout/server.ts
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

interface User {
  id: string;
  name: string;
  email: string;
  city: string | null;
}
interface Profile {
  company: string;
  title: string;
}
interface Order {
  id: string;
  userId: string;
  items: { productId: string }[];
  totalCents: number;
}

const pools = new Map<string, Pool>();
function pool(service: string): Pool {
  const origin = process.env[`${service.toUpperCase()}_API_URL`];
  if (origin === undefined) throw new Error(`${service.toUpperCase()}_API_URL is not set`);
  let found = pools.get(origin);
  if (found === undefined) pools.set(origin, (found = new Pool(origin, { connections: 256 })));
  return found;
}

/** The JSON answer of `GET path`, or `null` for a 404. */
async function get<T>(service: string, path: string): Promise<T | null> {
  const response = await pool(service).request({ method: 'GET', path });
  if (response.statusCode === 404) {
    await response.body.dump();
    return null;
  }
  if (response.statusCode !== 200) throw new Error(`${service} answered ${response.statusCode}`);
  return (await response.body.json()) as T;
}

async function s1(id: string) {
  const [user, profile, page] = await Promise.all([
    get<User>('personal', `/users/${encodeURIComponent(id)}`),
    get<Profile>('professional', `/profiles/${encodeURIComponent(id)}`),
    get<{ orders: Order[] }>('orders', `/users/${encodeURIComponent(id)}/orders?limit=5`),
  ]);
  if (user === null) return { user: null };
  return {
    user: {
      id: user.id,
      personal: { name: user.name, email: user.email, city: user.city },
      professional: profile === null ? null : { company: profile.company, title: profile.title },
      orders: { nodes: (page?.orders ?? []).map((order) => ({ id: order.id, totalCents: order.totalCents })) },
    },
  };
}

async function s2(ids: string[]) {
  const [batch, ...profiles] = await Promise.all([
    get<{ users: User[] }>('personal', `/users?ids=${ids.map(encodeURIComponent).join(',')}`),
    ...ids.map((id) => get<Profile>('professional', `/profiles/${encodeURIComponent(id)}`)),
  ]);
  const users = new Map(batch?.users.map((user) => [user.id, user]));
  return {
    users: ids.map((id, i) => {
      const user = users.get(id);
      const profile = profiles[i] as Profile | null;
      return user === undefined
        ? null
        : { id, personal: { name: user.name, city: user.city }, professional: profile && { title: profile.title } };
    }),
  };
}

async function s3(id: string) {
  const order = await get<Order>('orders', `/orders/${encodeURIComponent(id)}`);
  if (order === null) return { order: null };
  const productIds = [...new Set(order.items.map((item) => item.productId))];
  const [stock, user] = await Promise.all([
    get<{ stock: { productId: string; available: number }[] }>(
      'inventory',
      `/stock?productIds=${productIds.map(encodeURIComponent).join(',')}`,
    ),
    get<User>('personal', `/users/${encodeURIComponent(order.userId)}`),
  ]);
  const available = new Map(stock?.stock.map((entry) => [entry.productId, entry.available]));
  return {
    order: {
      id: order.id,
      items: order.items.map((item) => ({ productId: item.productId, available: available.get(item.productId) ?? null })),
      user: user === null ? null : { personal: { name: user.name } },
    },
  };
}

async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const { query, variables } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { query: string; variables: Record<string, unknown> };
  const operation = /^\s*query (S\d)/.exec(query)?.[1];
  let data: unknown;
  if (operation === 'S1') data = await s1(variables.id as string);
  else if (operation === 'S2') data = await s2(variables.ids as string[]);
  else if (operation === 'S3') data = await s3(variables.id as string);
  else {
    res.writeHead(400, { 'content-type': 'application/json' }).end('{"errors":[{"message":"S1, S2 or S3 only"}]}');
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data }));
}

const server = createServer((req, res) => {
  answer(req, res).catch((error: unknown) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ errors: [{ message: error instanceof Error ? error.message : 'failed' }] }));
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`hand-written fan-out on http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`);
});
process.on('SIGTERM', () => {
  server.close();
  void Promise.all([...pools.values()].map((p) => p.close())).then(() => process.exit(0));
});
