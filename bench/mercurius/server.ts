/**
 * The fastest Node reference: the graph's read schema served by Fastify 5 and Mercurius 16,
 * written the way Mercurius' documentation shows it (`jit: 1` for graphql-jit, `loaders` for
 * the fields that would otherwise make N+1 calls, a DataLoader for the personal batch endpoint
 * created per request in the context, undici pools, GraphQLError extensions for upstream
 * failures). It has none of the graph's resilience, limits or telemetry. Not part of the product.
 *
 * Run from the project root after `npm install --prefix bench/mercurius`:
 *   PORT=4200 PERSONAL_API_URL=… PROFESSIONAL_API_URL=… ORDERS_API_URL=… INVENTORY_API_URL=… node --import tsx bench/mercurius/server.ts
 */
import { readFileSync, readdirSync } from 'node:fs';
import Fastify from 'fastify';
import mercurius, { type IResolvers, type MercuriusLoaders } from 'mercurius';
import DataLoader from 'dataloader';
import { Pool } from 'undici';

interface User {
  id: string;
  name: string;
  email: string;
  birthDate: string | null;
  avatarUrl: string | null;
  city: string | null;
}
interface Profile {
  userId: string;
  company: string;
  title: string;
}
interface Order {
  id: string;
  userId: string;
  items: { productId: string; quantity: number; unitPriceCents: number }[];
}

const pools = new Map<string, Pool>();
function pool(service: string): Pool {
  const origin = process.env[`${service.toUpperCase()}_API_URL`];
  if (origin === undefined) throw new Error(`${service.toUpperCase()}_API_URL is not set`);
  let found = pools.get(origin);
  if (found === undefined) pools.set(origin, (found = new Pool(origin)));
  return found;
}

/** The JSON answer of `GET path`, `null` for a 404, a GraphQL error with the service and status otherwise. */
async function get<T>(service: string, path: string): Promise<T | null> {
  const response = await pool(service).request({ method: 'GET', path });
  if (response.statusCode === 404) {
    await response.body.dump();
    return null;
  }
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new mercurius.ErrorWithProps(`${service} answered ${response.statusCode}`, {
      code: 'UPSTREAM_UNAVAILABLE',
      service,
      upstreamStatus: response.statusCode,
    });
  }
  return (await response.body.json()) as T;
}

interface Context {
  users: DataLoader<string, User | null>;
}

const resolvers: IResolvers = {
  Query: {
    user: (_: unknown, { id }: { id: string }, { users }: Context) => users.load(id),
    users: (_: unknown, { ids }: { ids: string[] }, { users }: Context) => ids.map((id) => users.load(id)),
    order: (_: unknown, { id }: { id: string }) => get<Order>('orders', `/orders/${encodeURIComponent(id)}`),
  },
  User: {
    personal: (user: User) => user,
  },
  Order: {
    user: (order: Order, _: unknown, { users }: Context) => users.load(order.userId),
  },
};

const loaders: MercuriusLoaders = {
  User: {
    professional: (queries: { obj: User }[]) =>
      Promise.all(queries.map(({ obj }) => get<Profile>('professional', `/profiles/${encodeURIComponent(obj.id)}`))),
    orders: (queries: { obj: User; params: { first: number; after?: string | null } }[]) =>
      Promise.all(
        queries.map(async ({ obj, params }) => {
          const cursor = params.after ? `&cursor=${encodeURIComponent(params.after)}` : '';
          const page = await get<{ orders: Order[]; nextCursor: string | null }>(
            'orders',
            `/users/${encodeURIComponent(obj.id)}/orders?limit=${params.first}${cursor}`,
          );
          return page && { nodes: page.orders, pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: page.nextCursor } };
        }),
      ),
  },
  OrderItem: {
    available: async (queries: { obj: { productId: string } }[]) => {
      const ids = [...new Set(queries.map(({ obj }) => obj.productId))];
      const answer = await get<{ stock: { productId: string; available: number }[] }>(
        'inventory',
        `/stock?productIds=${ids.map(encodeURIComponent).join(',')}`,
      );
      const available = new Map(answer?.stock.map((line) => [line.productId, line.available]));
      return queries.map(({ obj }) => available.get(obj.productId) ?? null);
    },
  },
};

// The graph's own SDL (its directives are only declared here, and the mutation is not served).
const schemaDir = new URL('../../schema/', import.meta.url);
const schema = readdirSync(schemaDir)
  .filter((name) => name.endsWith('.graphql'))
  .map((name) => readFileSync(new URL(name, schemaDir), 'utf8'))
  .join('\n');

const app = Fastify();
await app.register(mercurius, {
  schema,
  resolvers,
  loaders,
  jit: 1,
  context: (): Context => ({
    users: new DataLoader(async (ids: readonly string[]) => {
      const answer = await get<{ users: User[] }>('personal', `/users?ids=${ids.map(encodeURIComponent).join(',')}`);
      const byId = new Map(answer?.users.map((user) => [user.id, user]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  }),
});
const url = await app.listen({ port: Number(process.env.PORT ?? 4200), host: '127.0.0.1' });
process.stdout.write(`Mercurius reference on ${url}/graphql\n`);
