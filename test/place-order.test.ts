/**
 * `placeOrder` against fakes of the orders, inventory and notifications writes, with a real
 * SQLite store on disk: the saga's happy path, refusals and outages with their undoing, the
 * durable email queue, idempotency (sequential and concurrent), dead letters and a crash.
 * What the services did is read from the fakes' state; what the graph keeps, from its store.
 */
import { expect, it } from 'vitest';
import { STOCK } from './support/contract-fakes.js';
import { Barrier, deferred, json, type Handler } from './support/fake-upstream.js';
import { graphHarness } from './support/harness.js';
import { MAX_UNITS_PER_LINE, writeFakes, type WriteFakes } from './support/write-fakes.js';
import { failWhile, input, outage, PLACE, QUICK, readStore, sagaBackends, sagaState, stored } from './support/saga-backends.js';

const setup = graphHarness();
const { describeEachBackend } = sagaBackends();

describeEachBackend('placeOrder, state in $name', (backend) => {
  async function start(write: WriteFakes, handlers: Partial<WriteFakes['handlers']> = {}, env: Record<string, string> = {}) {
    const stateEnv = backend.env();
    const started = await setup({ ...write.handlers, ...handlers }, { ...stateEnv, ...QUICK, ...env });
    return { ...started, stateEnv };
  }

  it('places the order and reserves its stock at the same time, sends one email, publishes order.placed', async () => {
    const write = writeFakes();
    const both = new Barrier(2);
    const atOnce =
      (handler: Handler): Handler =>
      async (request, res) => {
        if (request.method === 'POST') await both.arrive();
        return handler(request, res);
      };
    const { graph, fakes, stateEnv } = await start(write, {
      orders: atOnce(write.handlers.orders),
      inventory: atOnce(write.handlers.inventory),
    });

    const { body } = await graph.query(PLACE, input('key-1'));
    const orderId = [...write.state.orders.keys()][0]!;
    expect(body).toEqual({
      data: {
        placeOrder: {
          order: { id: orderId, status: 'PLACED', totalCents: 1000, items: [{ productId: 'p1', quantity: 2, unitPriceCents: 500 }] },
          confirmationEmail: 'SENT',
          userErrors: [],
        },
      },
    });
    expect(write.state.orders.size).toBe(1);
    expect([...write.state.reservations.values()]).toEqual([{ orderId, items: [{ productId: 'p1', quantity: 2 }], released: false }]);
    expect(write.state.stock.get('p1')).toBe(STOCK.p1! - 2);
    expect(write.state.emails).toEqual([
      {
        to: 'ada@example.com',
        template: 'order_confirmation',
        data: expect.objectContaining({ orderId, totalCents: 1000, currency: 'EUR' }),
        key: `${orderId}:confirmation-email`,
      },
    ]);
    // Every write carries its own key, derived from the order.
    const keys = [...fakes.orders.requests, ...fakes.inventory.requests]
      .filter((r) => r.method === 'POST')
      .map((r) => r.headers['idempotency-key']);
    expect(keys.sort()).toEqual([`${orderId}:create`, `${orderId}:reserve`]);

    const events = await readStore(backend, stateEnv, (store) => store.events());
    expect(events.map(({ event }) => event)).toEqual([
      {
        id: expect.any(String),
        type: 'order.placed',
        occurredAt: expect.any(String),
        order: {
          id: orderId,
          userId: 'u1',
          items: [{ productId: 'p1', quantity: 2, unitPriceCents: 500 }],
          totalCents: 1000,
          currency: 'EUR',
        },
      },
    ]);
  });

  it('a stored saga that is not what the graph wrote fails as the store failing, and the server goes on', async () => {
    const write = writeFakes();
    const { graph, stateEnv } = await start(write);
    expect((await graph.query(PLACE, input('key-1'))).body.data?.placeOrder).toMatchObject({ order: { status: 'PLACED' } });
    await backend.corrupt(stateEnv, stored('key-1'));

    expect((await graph.query(PLACE, input('key-1'))).body).toEqual({
      data: null,
      errors: [expect.objectContaining({ path: ['placeOrder'], extensions: { code: 'STATE_STORE_UNAVAILABLE', retryable: true } })],
    });
    // Nothing was sent again on the strength of the record, and other keys still work.
    expect(write.state.orders.size).toBe(1);
    expect((await graph.query(PLACE, input('key-2'))).body.data?.placeOrder).toMatchObject({
      order: { status: 'PLACED' },
      confirmationEmail: 'SENT',
    });
  });

  it('out of stock: says which product, and leaves no order standing and no stock reserved', async () => {
    const write = writeFakes();
    const { graph } = await start(write);
    const { body } = await graph.query(
      PLACE,
      input('key-1', [
        { productId: 'p1', quantity: 1 },
        { productId: 'p2', quantity: 1 },
      ]),
    );
    expect(body).toEqual({
      data: {
        placeOrder: {
          order: null,
          confirmationEmail: null,
          userErrors: [{ code: 'OUT_OF_STOCK', message: 'Not enough stock of p2.', field: ['input', 'items', '1', 'quantity'] }],
        },
      },
    });
    expect([...write.state.orders.values()].map((o) => o.status)).toEqual(['CANCELLED']);
    expect(write.state.reservations.size).toBe(0);
    expect(write.state.stock).toEqual(new Map(Object.entries(STOCK)));
    expect(write.state.emails).toEqual([]);
  });

  it('an invalid order (422) releases the reservation made meanwhile', async () => {
    const write = writeFakes();
    const { graph } = await start(write);
    // In stock (12), but more than the orders service takes on one line.
    const { body } = await graph.query(PLACE, input('key-1', [{ productId: 'p3', quantity: MAX_UNITS_PER_LINE + 1 }]));
    expect(body.data?.placeOrder).toEqual({
      order: null,
      confirmationEmail: null,
      userErrors: [{ code: 'INVALID_ORDER', message: 'at most 10 units a line', field: ['input'] }],
    });
    expect(write.state.orders.size).toBe(0);
    expect([...write.state.reservations.values()].map((r) => r.released)).toEqual([true]);
    expect(write.state.stock).toEqual(new Map(Object.entries(STOCK)));
  });

  it('orders down: the error says so, the reservation is released, and the cancel is retried from the queue until it is done', async () => {
    const write = writeFakes();
    const cancelled = outage(
      write.handlers.orders,
      (m) => m === 'POST',
      (m, p) => m === 'POST' && p.endsWith('/cancel'),
    );
    const { graph } = await start(write, { orders: cancelled.handler });
    const { body } = await graph.query(PLACE, input('key-1'));
    expect(body.data).toBeNull();
    expect(body.errors?.map((e) => e.extensions)).toEqual([
      { code: 'UPSTREAM_UNAVAILABLE', service: 'orders', upstreamStatus: 503, retryable: true },
    ]);
    expect([...write.state.reservations.values()].map((r) => r.released)).toEqual([true]);
    expect(write.state.stock).toEqual(new Map(Object.entries(STOCK)));

    cancelled.back();
    await cancelled.recovered;
    // The order never existed: the cancel found nothing to cancel, and nothing stands.
    expect(write.state.orders.size).toBe(0);
  });

  it.each([
    ['by default', {}],
    ['with onError HALT, which ends the answer only', { onError: 'HALT' }],
  ])(
    'inventory down (%s): the order is cancelled, and the reservation that may exist is released once inventory is back',
    async (_, params) => {
      const write = writeFakes();
      const released = outage(
        write.handlers.inventory,
        () => true,
        (m) => m === 'DELETE',
      );
      const { graph } = await start(write, { inventory: released.handler });
      const { body } = await graph.query(PLACE, input('key-1'), {}, params);
      expect(body.data).toBeNull();
      expect(body.errors?.map((e) => e.extensions)).toEqual([
        { code: 'UPSTREAM_UNAVAILABLE', service: 'inventory', upstreamStatus: 503, retryable: true },
      ]);
      expect([...write.state.orders.values()].map((o) => o.status)).toEqual(['CANCELLED']);

      released.back();
      await released.recovered;
      expect([...write.state.reservations.values()].every((r) => r.released)).toBe(true);
      expect(write.state.stock).toEqual(new Map(Object.entries(STOCK)));
      expect(write.state.emails).toEqual([]);
    },
  );

  it('email service down: QUEUED, then sent exactly once when it is back', async () => {
    const write = writeFakes();
    const sent = outage(
      write.handlers.notifications,
      () => true,
      (m) => m === 'POST',
    );
    const { graph, fakes, stateEnv } = await start(write, { notifications: sent.handler });
    const { body } = await graph.query(PLACE, input('key-1'));
    expect(body.data?.placeOrder).toMatchObject({ order: { status: 'PLACED' }, confirmationEmail: 'QUEUED', userErrors: [] });
    expect(write.state.emails).toEqual([]);

    sent.back();
    await sent.recovered;
    const orderId = [...write.state.orders.keys()][0]!;
    expect(write.state.emails.map((e) => e.key)).toEqual([`${orderId}:confirmation-email`]);
    // Every attempt carried the same key, and the saga is finished: nothing will send it again.
    expect(new Set(fakes.notifications.requests.map((r) => r.headers['idempotency-key']))).toEqual(
      new Set([`${orderId}:confirmation-email`]),
    );
    expect(await sagaState(backend, stateEnv, 'key-1', 'completed')).toBe('completed');
    // Replaying the mutation still says what the client was first told.
    expect((await graph.query(PLACE, input('key-1'))).body).toEqual(body);
  });

  it('onError HALT: an error in the answer ends the answer, never the saga: one order, its stock, exactly one email', async () => {
    const write = writeFakes();
    const sent = outage(
      write.handlers.notifications,
      () => true,
      (m) => m === 'POST',
    );
    // The stock read of the answer's `available` fails; the reservation (POST) goes through.
    const inventory = failWhile(
      () => true,
      (m) => m === 'GET',
      (_, res) => json(res, 500, { error: { code: 'BROKEN', message: 'broken' } }),
      write.handlers.inventory,
    );
    const { graph, stateEnv } = await start(write, { notifications: sent.handler, inventory });
    const withStock = PLACE.replace('items { productId quantity unitPriceCents }', 'items { productId available }');
    const { body } = await graph.query(withStock, input('key-1'), {}, { onError: 'HALT' });
    expect(body).toEqual({
      data: null,
      errors: [expect.objectContaining({ path: ['placeOrder', 'order', 'items', 0, 'available'] })],
    });
    const orderId = [...write.state.orders.keys()][0]!;
    expect([...write.state.orders.values()].map((o) => o.status)).toEqual(['PLACED']);
    expect(write.state.stock.get('p1')).toBe(STOCK.p1! - 2);

    sent.back();
    await sent.recovered;
    expect(write.state.emails.map((e) => e.key)).toEqual([`${orderId}:confirmation-email`]);
    expect(await sagaState(backend, stateEnv, 'key-1', 'completed')).toBe('completed');
    // The client retries with the same key and without HALT: the order it placed, and no second email.
    const retried = await graph.query(PLACE, input('key-1'));
    expect(retried.body.data?.placeOrder).toMatchObject({ order: { id: orderId, status: 'PLACED' }, confirmationEmail: 'QUEUED' });
    expect(write.state.orders.size).toBe(1);
    expect(write.state.emails).toHaveLength(1);
  });

  it('the same key twice in a row: one order, one reservation, one email, the same answer', async () => {
    const write = writeFakes();
    const { graph } = await start(write);
    const first = await graph.query(PLACE, input('key-1'));
    const second = await graph.query(PLACE, input('key-1'));
    expect(second.body).toEqual(first.body);
    expect([write.state.orders.size, write.state.reservations.size, write.state.emails.length]).toEqual([1, 1, 1]);
  });

  it('the same key twice at once: the second waits for the first and replays it', async () => {
    const write = writeFakes();
    const hold = deferred();
    const { graph, fakes } = await start(write, {
      orders: async (request, res) => {
        if (request.method === 'POST') await hold.promise;
        return write.handlers.orders(request, res);
      },
    });
    const first = graph.query(PLACE, input('key-1'));
    await fakes.orders.received(1);
    const second = graph.query(PLACE, input('key-1'));
    hold.resolve();
    const [a, b] = await Promise.all([first, second]);
    expect(b.body).toEqual(a.body);
    expect(a.body.data?.placeOrder).toMatchObject({ order: { status: 'PLACED' }, confirmationEmail: 'SENT' });
    expect([write.state.orders.size, write.state.reservations.size, write.state.emails.length]).toEqual([1, 1, 1]);
  });

  it('the same key with other input is IDEMPOTENCY_KEY_REUSED, and nothing is placed again', async () => {
    const write = writeFakes();
    const { graph } = await start(write);
    await graph.query(PLACE, input('key-1'));
    const { body } = await graph.query(PLACE, input('key-1', [{ productId: 'p3', quantity: 1 }]));
    expect(body.data?.placeOrder).toEqual({
      order: null,
      confirmationEmail: null,
      userErrors: [
        { code: 'IDEMPOTENCY_KEY_REUSED', message: 'This idempotencyKey was used for another order.', field: ['input', 'idempotencyKey'] },
      ],
    });
    expect([write.state.orders.size, write.state.reservations.size, write.state.emails.length]).toEqual([1, 1, 1]);
  });

  it('an unknown user: nothing stands, UNKNOWN_USER', async () => {
    const write = writeFakes();
    const { graph } = await start(write);
    const { body } = await graph.query(PLACE, input('key-1', undefined, 'nobody'));
    expect(body.data?.placeOrder).toEqual({
      order: null,
      confirmationEmail: null,
      userErrors: [{ code: 'UNKNOWN_USER', message: 'No user has this id.', field: ['input', 'userId'] }],
    });
    expect([...write.state.orders.values()].map((o) => o.status)).toEqual(['CANCELLED']);
    expect(write.state.stock).toEqual(new Map(Object.entries(STOCK)));
  });

  it('refuses bad input before any call', async () => {
    const write = writeFakes();
    const { graph, fakes } = await start(write);
    const noLines = await graph.query(PLACE, input('key-1', []));
    expect(noLines.body.data?.placeOrder).toMatchObject({
      order: null,
      userErrors: [{ code: 'INVALID_ORDER', field: ['input', 'items'] }],
    });
    const twice = await graph.query(
      PLACE,
      input('key-2', [
        { productId: 'p1', quantity: 1 },
        { productId: 'p1', quantity: 0 },
      ]),
    );
    expect((twice.body.data?.placeOrder as { userErrors: { field: string[] }[] }).userErrors.map((e) => e.field)).toEqual([
      ['input', 'items', '1', 'productId'],
      ['input', 'items', '1', 'quantity'],
    ]);
    const noKey = await graph.query(PLACE, input(''));
    expect(noKey.body.errors?.map((e) => e.extensions?.code)).toEqual(['BAD_USER_INPUT']);
    expect(fakes.orders.requests.length + fakes.inventory.requests.length).toBe(0);
  });

  it('dead-letters an email that fails every attempt; an operator sees it and replays it', async () => {
    const write = writeFakes();
    const sent = outage(
      write.handlers.notifications,
      () => true,
      (m) => m === 'POST',
    );
    const token = 'operator-token-0123456789';
    const { graph, fakes, stateEnv } = await start(
      write,
      { notifications: sent.handler },
      { EMAIL_MAX_ATTEMPTS: '3', ADMIN_TOKEN: token, UPSTREAM_MAX_RETRIES: '0' },
    );
    await graph.query(PLACE, input('key-1'));
    await fakes.notifications.received(3);
    const admin = { authorization: `Bearer ${token}` };
    // The third attempt is the last: the record says dead once it is written, right after.
    const dead = async () =>
      (await fetch(`${graph.url}/admin/dead-letters`, { headers: admin })).json() as Promise<
        { idempotencyKey: string; attempts: number }[]
      >;
    expect(await sagaState(backend, stateEnv, 'key-1', 'dead')).toBe('dead');
    const letters = await dead();
    expect(letters).toEqual([
      expect.objectContaining({
        idempotencyKey: stored('key-1'),
        attempts: 3,
        lastError: 'UPSTREAM_UNAVAILABLE from notifications (HTTP 503)',
      }),
    ]);
    expect((await fetch(`${graph.url}/admin/dead-letters`)).status).toBe(401);

    sent.back();
    const replay = await fetch(`${graph.url}/admin/dead-letters/${encodeURIComponent(stored('key-1'))}/replay`, {
      method: 'POST',
      headers: admin,
    });
    expect(replay.status).toBe(202);
    await sent.recovered;
    expect(write.state.emails).toHaveLength(1);
    expect(await sagaState(backend, stateEnv, 'key-1', 'completed')).toBe('completed');
  });
});

/** Fakes and graph server processes for one test, all stopped (SIGKILL) after it. */
