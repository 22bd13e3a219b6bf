/**
 * The five upstream services as small fakes that follow `../shared/upstreams.md` over a
 * fixed data set (a service without one here answers from its document's examples). Each test
 * can replace one service's handler to inject a fault.
 */
import type { ServerResponse } from 'node:http';
import { openApiDocument } from '../../demo/openapi-document.js';
import { exampleRoutes } from '../../demo/example-routes.js';
import { SERVICE_NAMES, type ServiceName } from '../../errors/service-name.js';
import {
  followingContract,
  json,
  notFound,
  startFakeUpstream,
  type FakeUpstream,
  type Handler,
  type RecordedRequest,
} from './fake-upstream.js';

export const USERS = {
  u1: {
    id: 'u1',
    name: 'Ada Lovelace',
    email: 'ada@example.com',
    birthDate: '1815-12-10',
    avatarUrl: 'https://img.example.com/ada.png',
    city: 'London',
  },
  u2: { id: 'u2', name: 'Alan Turing', email: 'alan@example.com', birthDate: null, avatarUrl: null, city: null },
  u3: { id: 'u3', name: 'Grace Hopper', email: 'grace@example.com', birthDate: '1906-12-09', avatarUrl: null, city: 'New York' },
} as const;

export const PROFILES = {
  u1: { userId: 'u1', company: 'Analytical Engines', title: 'Programmer', skills: ['mathematics', 'poetry'], yearsOfExperience: 20 },
  u3: { userId: 'u3', company: 'US Navy', title: 'Rear Admiral', skills: ['COBOL'], yearsOfExperience: 40 },
} as const;

export const ORDERS = {
  o1: {
    id: 'o1',
    userId: 'u1',
    status: 'PLACED',
    items: [
      { productId: 'p1', quantity: 2, unitPriceCents: 500 },
      { productId: 'p2', quantity: 1, unitPriceCents: 1000 },
    ],
    totalCents: 2000,
    currency: 'EUR',
    createdAt: '2026-01-01T10:00:00.000Z',
  },
  o2: {
    id: 'o2',
    userId: 'u1',
    status: 'CANCELLED',
    items: [{ productId: 'p2', quantity: 3, unitPriceCents: 1000 }],
    totalCents: 3000,
    currency: 'EUR',
    createdAt: '2026-02-01T10:00:00.000Z',
  },
  o3: {
    id: 'o3',
    userId: 'u2',
    status: 'PLACED',
    items: [{ productId: 'p3', quantity: 1, unitPriceCents: 250 }],
    totalCents: 250,
    currency: 'EUR',
    createdAt: '2026-03-01T10:00:00.000Z',
  },
} as const;

/** Each user's orders, newest first. */
export const ORDERS_OF_USER: Record<string, (keyof typeof ORDERS)[]> = { u1: ['o2', 'o1'], u2: ['o3'], u3: [] };

export const STOCK: Record<string, number> = { p1: 5, p2: 0, p3: 12 };

const lookup = <T>(table: Record<string, T>, id: string): T | undefined => (Object.hasOwn(table, id) ? table[id] : undefined);

const ids = (request: RecordedRequest, name: string): string[] => (request.query.get(name) ?? '').split(',').filter(Boolean);

function byId<T>(res: ServerResponse, value: T | undefined): void {
  if (value === undefined) notFound(res);
  else json(res, 200, value);
}

export const contractHandlers = {
  personal: followingContract((request, res) => {
    const single = /^\/users\/([^/]+)$/.exec(request.pathname);
    if (single) return byId(res, lookup(USERS, decodeURIComponent(single[1]!)));
    if (request.pathname === '/users') return json(res, 200, { users: ids(request, 'ids').flatMap((id) => lookup(USERS, id) ?? []) });
    notFound(res);
  }),
  professional: followingContract((request, res) => {
    const single = /^\/profiles\/([^/]+)$/.exec(request.pathname);
    if (single) return byId(res, lookup(PROFILES, decodeURIComponent(single[1]!)));
    notFound(res);
  }),
  orders: followingContract((request, res) => {
    const single = /^\/orders\/([^/]+)$/.exec(request.pathname);
    if (single) return byId(res, lookup(ORDERS, decodeURIComponent(single[1]!)));
    if (request.pathname === '/orders') return json(res, 200, { orders: ids(request, 'ids').flatMap((id) => lookup(ORDERS, id) ?? []) });
    const page = /^\/users\/([^/]+)\/orders$/.exec(request.pathname);
    if (page) {
      const all = (lookup(ORDERS_OF_USER, decodeURIComponent(page[1]!)) ?? []).map((id) => ORDERS[id]);
      const limit = Number(request.query.get('limit') ?? 20);
      const offset = Number(request.query.get('cursor') ?? 0);
      const next = offset + limit < all.length ? String(offset + limit) : null;
      return json(res, 200, { orders: all.slice(offset, offset + limit), nextCursor: next });
    }
    notFound(res);
  }),
  inventory: followingContract((request, res) => {
    if (request.pathname === '/stock') {
      const stock = ids(request, 'productIds').flatMap((productId) => {
        const available = lookup(STOCK, productId);
        return available === undefined ? [] : [{ productId, available }];
      });
      return json(res, 200, { stock });
    }
    notFound(res);
  }),
  notifications: followingContract((_request, res) => json(res, 202, { messageId: 'm1' })),
} satisfies Partial<Record<ServiceName, Handler>>;

/** A service without a fake of its own above answers from its document's examples, as the demo does (demo/example-routes.ts). */
export function exampleHandler(service: ServiceName): Handler {
  const routes = exampleRoutes(openApiDocument(service));
  return followingContract((request, res) => {
    const route = routes.find((candidate) => candidate.method === request.method && candidate.pattern.test(request.pathname));
    if (route === undefined) return notFound(res);
    const answer = route.handle({ method: request.method, params: [], query: request.query, body: undefined, headers: request.headers });
    if (answer.body === undefined) res.writeHead(answer.status).end();
    else json(res, answer.status, answer.body);
  });
}

export type Fakes = Record<ServiceName, FakeUpstream> & {
  urls: Record<ServiceName, string>;
  close(): Promise<void>;
};

export async function startContractFakes(overrides: Partial<Record<ServiceName, Handler>> = {}): Promise<Fakes> {
  const names = SERVICE_NAMES;
  const own: Partial<Record<ServiceName, Handler>> = contractHandlers;
  const started = await Promise.all(
    names.map((name) => startFakeUpstream(overrides[name] ?? own[name] ?? exampleHandler(name), { contract: name })),
  );
  const fakes = Object.fromEntries(names.map((name, i) => [name, started[i]!])) as Record<ServiceName, FakeUpstream>;
  return {
    ...fakes,
    urls: Object.fromEntries(names.map((name) => [name, fakes[name].url])) as Record<ServiceName, string>,
    close: async () => {
      await Promise.all(started.map((fake) => fake.close()));
    },
  };
}
