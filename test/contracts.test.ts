/**
 * The services the graph is tested against are held to their OpenAPI documents (contracts/):
 * every request the test fakes receive and every answer of theirs that follows the contract,
 * and every exchange of the demo services (in-process, and embedded in a server process under
 * DEMO_CONTRACT_CHECK=on, as every suite runs them). A test that leaves a violation fails
 * (test/support/no-bugs.ts); these break the documents on purpose and show that it bites.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { contractCheck } from '../demo/contract-check.js';
import { openApiDocument } from '../demo/openapi-document.js';
import { startDemoServer } from '../demo/demo-server.js';
import { exampleRoutes } from '../demo/example-routes.js';
import { startDemoServices } from '../demo/services.js';
import { SERVICE_NAMES, type ServiceName } from '../errors/service-name.js';
import { exampleHandler } from './support/contract-fakes.js';
import { takeViolations } from './support/contract-violations.js';
import { followingContract, json, startFakeUpstream } from './support/fake-upstream.js';
import { graphHarness } from './support/harness.js';
import { startServerProcess, takeBugLines } from './support/server-process.js';

const REQUEST_ID = { 'x-request-id': 'contract-test' };
const startGraphWithFakes = graphHarness();

afterEach(() => {
  // What a test here did on purpose is taken; anything else would fail it in no-bugs.ts.
  takeViolations();
  takeBugLines();
});

describe('the test fakes', () => {
  it('a contract-following answer without a required field, and a request without x-request-id, are each a violation', async () => {
    const fake = await startFakeUpstream(
      followingContract((_, res) => json(res, 200, { id: 'u1', name: 'Ada' })),
      { contract: 'personal' },
    );
    try {
      await (await fetch(`${fake.url}/users/u1`, { headers: REQUEST_ID })).text();
      await (await fetch(`${fake.url}/users/u1`)).text();
      await (await fetch(`${fake.url}/users/u1/friends`, { headers: REQUEST_ID })).text();
      expect(takeViolations()).toEqual([
        "personal GET /users/u1 (getUser): the 200 answer: (root) must have required property 'email'",
        'personal GET /users/u1 (getUser): the header parameter x-request-id is missing',
        "personal GET /users/u1 (getUser): the 200 answer: (root) must have required property 'email'",
        'personal GET /users/u1/friends: no such operation in contracts/personal.openapi.yaml',
      ]);
    } finally {
      await fake.close();
    }
  });

  it("a test's own fault (a handler not marked as following the contract) is not held to the document; its requests are", async () => {
    const fake = await startFakeUpstream((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>'), {
      contract: 'professional',
    });
    try {
      await (await fetch(`${fake.url}/profiles/u1`, { headers: REQUEST_ID })).text();
      expect(takeViolations()).toEqual([]);
      await (await fetch(`${fake.url}/profiles/u1`, { method: 'POST', headers: REQUEST_ID })).text();
      expect(takeViolations()).toEqual(['professional POST /profiles/u1: no such operation in contracts/professional.openapi.yaml']);
    } finally {
      await fake.close();
    }
  });
});

describe('the demo services', () => {
  it('check their own exchanges when asked: a batch over the limit and a write without its key are violations', async () => {
    const violations: string[] = [];
    const demo = await startDemoServices({ onContractViolation: (violation) => violations.push(violation) });
    try {
      const ids = Array.from({ length: 101 }, (_, i) => `u${i}`).join(',');
      expect((await fetch(`${demo.urls.personal}/users?ids=${ids}`, { headers: REQUEST_ID })).status).toBe(400);
      const order = { orderId: 'c1', userId: 'u1', items: [{ productId: 'p1', quantity: 1 }] };
      const post = { method: 'POST', headers: { ...REQUEST_ID, 'content-type': 'application/json' }, body: JSON.stringify(order) };
      expect((await fetch(`${demo.urls.orders}/orders`, post)).status).toBe(400);
      expect(violations).toEqual([
        'personal GET /users (getUsers): the query parameter ids: (root) must NOT have more than 100 items',
        'orders POST /orders (createOrder): the header parameter Idempotency-Key is missing',
      ]);
      // What the graph sends, they answer within the document.
      violations.length = 0;
      await (await fetch(`${demo.urls.personal}/users?ids=u1,u2`, { headers: REQUEST_ID })).text();
      await (await fetch(`${demo.urls.orders}/orders`, { ...post, headers: { ...post.headers, 'idempotency-key': 'k1' } })).text();
      expect(violations).toEqual([]);
    } finally {
      await demo.close();
    }
  });

  it('embedded in a server process (DEMO_CONTRACT_CHECK=on, as the suites run it), log each violation, which fails the test', async () => {
    const { server } = await startServerProcess({});
    try {
      const [, personal] = await server.waitFor(/embedded demo services \((http:\/\/127\.0\.0\.1:\d+)/);
      await (await fetch(`${personal}/users/u1`)).text();
      await server.waitFor(/contract violation/);
      expect(takeBugLines().join('\n')).toContain(
        'contract violation: personal GET /users/u1 (getUser): the header parameter x-request-id is missing',
      );
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});

/** Every operation of the five documents, as the graph calls it, with the answer the documents' examples give. */
type Call = { method: string; path: string; body?: object; status: number; answer?: unknown };
const CALLS: Partial<Record<ServiceName, Call[]>> = {
  personal: [
    {
      method: 'GET',
      path: '/users/u9',
      status: 200,
      answer: { id: 'u1', name: 'Ada Lovelace', email: 'ada@example.com', birthDate: '1815-12-10', avatarUrl: null, city: 'London' },
    },
    { method: 'GET', path: '/users?ids=a,b', status: 200 },
  ],
  professional: [{ method: 'GET', path: '/profiles/u1', status: 200 }],
  orders: [
    { method: 'GET', path: '/orders/o9', status: 200 },
    { method: 'GET', path: '/orders?ids=o1,o2', status: 200 },
    { method: 'GET', path: '/users/u1/orders?limit=2', status: 200 },
    { method: 'POST', path: '/orders', body: { orderId: 'o9', userId: 'u1', items: [{ productId: 'p1', quantity: 1 }] }, status: 201 },
    { method: 'POST', path: '/orders/o9/cancel', status: 200 },
  ],
  inventory: [
    { method: 'GET', path: '/stock?productIds=p1', status: 200, answer: { stock: [{ productId: 'p1', available: 5 }] } },
    {
      method: 'POST',
      path: '/reservations',
      body: { orderId: 'o9', items: [{ productId: 'p1', quantity: 1 }] },
      status: 201,
      answer: { reservationId: 'r1', orderId: 'o1', status: 'RESERVED' },
    },
    { method: 'DELETE', path: '/reservations/r1', status: 204 },
  ],
  notifications: [
    {
      method: 'POST',
      path: '/emails',
      body: { to: 'ada@example.com', template: 'order_confirmation', data: {} },
      status: 202,
      answer: { messageId: 'm1' },
    },
  ],
};

const send = async (url: string, call: Call) => {
  const headers = {
    ...REQUEST_ID,
    'idempotency-key': `k-${call.method} ${call.path}`,
    ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
  };
  const response = await fetch(`${url}${call.path}`, {
    method: call.method,
    headers,
    ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
};

describe('a service served from its document alone (what a sixth service starts with)', () => {
  it('the demo answers every operation of each document from its examples, within the document', async () => {
    for (const service of SERVICE_NAMES.filter((name) => CALLS[name] !== undefined)) {
      const violations: string[] = [];
      const server = await startDemoServer(service, exampleRoutes(openApiDocument(service)), {}, 0, '127.0.0.1', {
        check: contractCheck(service),
        onViolation: (violation) => violations.push(violation),
      });
      try {
        for (const call of CALLS[service]!) {
          const answer = await send(server.url, call);
          expect([service, call.path, answer.status]).toEqual([service, call.path, call.status]);
          if (call.answer !== undefined) expect(answer.body).toEqual(call.answer);
        }
        expect(violations).toEqual([]);
      } finally {
        await server.close();
      }
    }
  });

  it('a test fake does the same, and a graph reads through it', async () => {
    const fake = await startFakeUpstream(exampleHandler('inventory'), { contract: 'inventory' });
    try {
      for (const call of CALLS.inventory!) expect((await send(fake.url, call)).status).toBe(call.status);
      expect(takeViolations()).toEqual([]);
    } finally {
      await fake.close();
    }
    const { graph } = await startGraphWithFakes({ professional: exampleHandler('professional') });
    const { body } = await graph.query('{ user(id: "u2") { professional { company yearsOfExperience } } }');
    expect(body).toEqual({ data: { user: { professional: { company: 'Analytical Engines', yearsOfExperience: 20 } } } });
  });
});
