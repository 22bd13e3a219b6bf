/**
 * The fair reference for the graph's CPU: the Mercurius reference (bench/mercurius/) with the
 * guarantees a Fastify team would add, each from its ecosystem's package as its docs show it:
 *
 * - Fastify's pino logger, one line per request (its own two lines a request turned off for one
 *   written when the answer is sent, with the status and time);
 * - prom-client: a histogram of requests and one of upstream calls, served at `/metrics`;
 * - Mercurius' `queryDepth` and graphql-armor's validation rules (aliases, directives, cost);
 * - per service: undici's retry and cache interceptors on the pool (RFC 9111, shared cache), an
 *   opossum circuit breaker and a p-limit concurrency limit; a time limit on every call;
 * - the caller's `authorization` forwarded to personal and orders.
 *
 * Not part of the product. Run from the project root after `npm install --prefix bench/mercurius-guarded`:
 *   PORT=4300 PERSONAL_API_URL=… PROFESSIONAL_API_URL=… ORDERS_API_URL=… INVENTORY_API_URL=… node --import tsx bench/mercurius-guarded/server.ts
 */
import { readFileSync, readdirSync } from 'node:fs';
import Fastify from 'fastify';
import mercurius, { type IResolvers, type MercuriusLoaders } from 'mercurius';
import DataLoader from 'dataloader';
import { Pool, interceptors, type Dispatcher } from 'undici';
import CircuitBreaker from 'opossum';
import pLimit from 'p-limit';
import { Histogram, collectDefaultMetrics, register } from 'prom-client';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';

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

collectDefaultMetrics();
const requestDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'Requests by route and status.',
  labelNames: ['route', 'status'],
});
const upstreamDuration = new Histogram({
  name: 'upstream_request_duration_seconds',
  help: 'Upstream calls by service and status.',
  labelNames: ['service', 'status'],
});

/** The services that get the caller's credentials. */
const FORWARDS_AUTHORIZATION = new Set(['personal', 'orders']);

interface Upstream {
  readonly dispatcher: Dispatcher;
  readonly breaker: CircuitBreaker<[string, string | undefined], { status: number; body: unknown }>;
  readonly limit: ReturnType<typeof pLimit>;
}

const upstreams = new Map<string, Upstream>();
function upstream(service: string): Upstream {
  let found = upstreams.get(service);
  if (found !== undefined) return found;
  const origin = process.env[`${service.toUpperCase()}_API_URL`];
  if (origin === undefined) throw new Error(`${service.toUpperCase()}_API_URL is not set`);
  const dispatcher = new Pool(origin, { headersTimeout: 2000, bodyTimeout: 2000 }).compose(
    interceptors.retry({ maxRetries: 2, minTimeout: 100, maxTimeout: 1000, statusCodes: [502, 503, 504, 429] }),
    interceptors.cache(),
  );
  const call = async (path: string, authorization: string | undefined) => {
    const end = upstreamDuration.startTimer({ service });
    const response = await dispatcher.request({
      origin,
      method: 'GET',
      path,
      headers: authorization === undefined ? {} : { authorization },
    });
    end({ status: String(response.statusCode) });
    if (response.statusCode >= 500) {
      await response.body.dump();
      throw new Error(`${service} answered ${response.statusCode}`);
    }
    return { status: response.statusCode, body: response.statusCode === 200 ? await response.body.json() : await response.body.dump() };
  };
  const breaker = new CircuitBreaker(call, { timeout: 3000, errorThresholdPercentage: 50, resetTimeout: 5000, volumeThreshold: 20 });
  found = { dispatcher, breaker, limit: pLimit(256) };
  upstreams.set(service, found);
  return found;
}

/** The JSON answer of `GET path`, `null` for a 404, a GraphQL error with the service and status otherwise. */
async function get<T>(service: string, path: string, authorization: string | undefined): Promise<T | null> {
  const { breaker, limit } = upstream(service);
  let answer: { status: number; body: unknown };
  try {
    answer = await limit(() => breaker.fire(path, FORWARDS_AUTHORIZATION.has(service) ? authorization : undefined));
  } catch (error) {
    throw new mercurius.ErrorWithProps(`${service} failed`, { code: 'UPSTREAM_UNAVAILABLE', service }, 200);
  }
  if (answer.status === 404) return null;
  if (answer.status !== 200)
    throw new mercurius.ErrorWithProps(`${service} answered ${answer.status}`, {
      code: 'UPSTREAM_REJECTED',
      service,
      upstreamStatus: answer.status,
    });
  return answer.body as T;
}

interface Context {
  authorization: string | undefined;
  users: DataLoader<string, User | null>;
}

const resolvers: IResolvers = {
  Query: {
    user: (_: unknown, { id }: { id: string }, { users }: Context) => users.load(id),
    users: (_: unknown, { ids }: { ids: string[] }, { users }: Context) => ids.map((id) => users.load(id)),
    order: (_: unknown, { id }: { id: string }, { authorization }: Context) =>
      get<Order>('orders', `/orders/${encodeURIComponent(id)}`, authorization),
  },
  User: {
    personal: (user: User) => user,
  },
  Order: {
    user: (order: Order, _: unknown, { users }: Context) => users.load(order.userId),
  },
};

const loaders: MercuriusLoaders<Context> = {
  User: {
    professional: (queries: { obj: User }[], { authorization }: Context) =>
      Promise.all(queries.map(({ obj }) => get<Profile>('professional', `/profiles/${encodeURIComponent(obj.id)}`, authorization))),
    orders: (queries: { obj: User; params: { first: number; after?: string | null } }[], { authorization }: Context) =>
      Promise.all(
        queries.map(async ({ obj, params }) => {
          const cursor = params.after ? `&cursor=${encodeURIComponent(params.after)}` : '';
          const page = await get<{ orders: Order[]; nextCursor: string | null }>(
            'orders',
            `/users/${encodeURIComponent(obj.id)}/orders?limit=${params.first}${cursor}`,
            authorization,
          );
          return page && { nodes: page.orders, pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: page.nextCursor } };
        }),
      ),
  },
  OrderItem: {
    available: async (queries: { obj: { productId: string } }[], { authorization }: Context) => {
      const ids = [...new Set(queries.map(({ obj }) => obj.productId))];
      const answer = await get<{ stock: { productId: string; available: number }[] }>(
        'inventory',
        `/stock?productIds=${ids.map(encodeURIComponent).join(',')}`,
        authorization,
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

const app = Fastify({ logger: true, disableRequestLogging: true });
app.addHook('onResponse', async (request, reply) => {
  requestDuration.observe({ route: request.routeOptions.url ?? 'unknown', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
  request.log.info({ statusCode: reply.statusCode, responseTime: reply.elapsedTime }, 'request completed');
});
app.get('/metrics', async (_, reply) => reply.type(register.contentType).send(await register.metrics()));
await app.register(mercurius, {
  schema,
  resolvers,
  loaders,
  jit: 1,
  queryDepth: 10,
  validationRules: [maxAliasesRule({ n: 30 }), maxDirectivesRule({ n: 50 }), costLimitRule({ maxCost: 5000 })],
  context: (request): Context => {
    const authorization = request.headers.authorization;
    return {
      authorization,
      users: new DataLoader(async (ids: readonly string[]) => {
        const answer = await get<{ users: User[] }>('personal', `/users?ids=${ids.map(encodeURIComponent).join(',')}`, authorization);
        const byId = new Map(answer?.users.map((user) => [user.id, user]));
        return ids.map((id) => byId.get(id) ?? null);
      }),
    };
  },
});
const url = await app.listen({ port: Number(process.env.PORT ?? 4300), host: '127.0.0.1' });
process.stdout.write(`Mercurius with guarantees reference on ${url}/graphql\n`);
