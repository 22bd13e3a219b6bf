/**
 * `placeOrder` across what ends a process or its store: a server killed (SIGKILL) mid-saga and
 * started again, two servers sharing one store (one Redis, or one SQLite file: both run the queue),
 * and Redis stopped under a running server.
 */
import { describe, expect, it } from 'vitest';
import { deferred } from './support/fake-upstream.js';
import { graphHarness } from './support/harness.js';
import { processHarness } from './support/process-harness.js';
import { hasRedis, startRedis } from './support/redis-server.js';
import { writeFakes } from './support/write-fakes.js';
import { answered, input, PLACE, QUICK, sagaBackends, sagaState, unavailable } from './support/saga-backends.js';

const setup = graphHarness();
const { describeEachBackend } = sagaBackends();

describeEachBackend('placeOrder across a crash, state in $name', (backend) => {
  const processes = processHarness();

  it('killed (SIGKILL) after the order is placed and before the email is sent: after a restart, exactly one email', async () => {
    const write = writeFakes();
    let holding = true;
    const sent = answered(
      (m) => m === 'POST',
      async (request, res) => {
        // The first attempt never gets an answer: the process dies while it waits.
        if (holding) return;
        return write.handlers.notifications(request, res);
      },
    );
    const { fakes, urlEnv } = await processes.fakes({ ...write.handlers, notifications: sent.handler });
    const env = {
      ...urlEnv,
      ...backend.env(),
      ...QUICK,
      // Time enough for the kill to land while the email waits; short enough that the
      // restarted process resumes the saga soon (its record is due when the lease ends).
      EMAIL_TIMEOUT_MS: '2000',
      REQUEST_TIMEOUT_MS: '2000',
      SAGA_LEASE_MS: '2500',
    };
    const first = await processes.server(env);
    const answer = fetch(`${first.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: PLACE, variables: input('key-1') }),
    }).then(
      () => 'answered',
      () => 'cut off',
    );
    await fakes.notifications.received(1);
    first.server.child.kill('SIGKILL');
    expect(await first.server.exited).toBe(null);
    expect(await answer).toBe('cut off');
    expect([...write.state.orders.values()].map((o) => o.status)).toEqual(['PLACED']);
    expect(write.state.emails).toEqual([]);

    holding = false;
    const second = await processes.server(env);
    await sent.done;
    const orderId = [...write.state.orders.keys()][0]!;
    expect(write.state.emails.map((e) => e.key)).toEqual([`${orderId}:confirmation-email`]);
    expect(await sagaState(backend, env, 'key-1', 'completed')).toBe('completed');
    // The client's retry after the crash gets the order, and nothing is done twice.
    const retry = await fetch(`${second.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: PLACE, variables: input('key-1') }),
    });
    expect(((await retry.json()) as { data: { placeOrder: unknown } }).data.placeOrder).toMatchObject({
      order: { id: orderId, status: 'PLACED' },
      confirmationEmail: 'SENT',
    });
    expect([write.state.orders.size, write.state.reservations.size, write.state.emails.length]).toEqual([1, 1, 1]);
  });

  it('two server processes sharing one store ($name) place each order once and send each queued email once', async () => {
    const write = writeFakes();
    const orders = 6;
    let down = true;
    const allSent = deferred();
    /** The key of every email sent once the service is up: one send an order, not one a replica. */
    const sends: string[] = [];
    const { urlEnv } = await processes.fakes({
      ...write.handlers,
      notifications: async (request, res) => {
        if (down) return unavailable(request, res);
        sends.push(String(request.headers['idempotency-key']));
        await write.handlers.notifications(request, res);
        if (write.state.emails.length === orders) allSent.resolve();
      },
    });
    const env = {
      ...urlEnv,
      ...backend.env(),
      ...QUICK,
      QUEUE_RETRY_BASE_MS: '200',
      UPSTREAM_MAX_RETRIES: '0',
    };
    const replicas = await Promise.all([processes.server(env), processes.server(env)]);
    const place = (url: string, key: string) =>
      fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: PLACE, variables: input(key, [{ productId: 'p3', quantity: 1 }]) }),
      }).then(
        async (response) =>
          ((await response.json()) as { data: { placeOrder: { confirmationEmail: string; order: { id: string } } } }).data.placeOrder,
      );
    // Each order asked of both replicas at once: the key makes it one order.
    const answers = await Promise.all(
      Array.from({ length: orders }, (_, i) => Promise.all([place(replicas[0].url, `key-${i}`), place(replicas[1].url, `key-${i}`)])),
    );
    for (const [a, b] of answers) {
      expect(b).toEqual(a);
      expect(a.confirmationEmail).toBe('QUEUED');
    }
    expect(write.state.orders.size).toBe(orders);

    down = false;
    await allSent.promise;
    expect(write.state.emails.map((e) => e.data.orderId).sort()).toEqual([...write.state.orders.keys()].sort());
    for (let i = 0; i < orders; i++) expect(await sagaState(backend, env, `key-${i}`, 'completed')).toBe('completed');
    expect(write.state.emails).toHaveLength(orders);
    expect([write.state.orders.size, write.state.reservations.size]).toEqual([orders, orders]);
    expect(sends.sort()).toEqual([...new Set(sends)].sort());
  });
});

describe.skipIf(!hasRedis)('placeOrder with the state in Redis', () => {
  it('Redis stopped: the mutation fails at once with STATE_STORE_UNAVAILABLE, nothing is placed, reads go on', async () => {
    const own = await startRedis();
    try {
      const write = writeFakes();
      const { graph, fakes: started } = await setup(write.handlers, { REDIS_URL: own.url, REDIS_PREFIX: 'stopped', ...QUICK });
      expect((await graph.query(PLACE, input('key-1'))).body.data?.placeOrder).toMatchObject({ order: { status: 'PLACED' } });
      await own.kill();

      const { body } = await graph.query(PLACE, input('key-2'));
      expect(body).toEqual({
        data: null,
        errors: [
          expect.objectContaining({
            message: 'The order store is unavailable, so the outcome could not be kept; send the same request again later.',
            extensions: { code: 'STATE_STORE_UNAVAILABLE', retryable: true },
          }),
        ],
      });
      expect(started.orders.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
      expect(write.state.orders.size).toBe(1);
      expect((await graph.query('{ user(id: "u1") { personal { name } } }')).body).toEqual({
        data: { user: { personal: { name: 'Ada Lovelace' } } },
      });
    } finally {
      await own.stop();
    }
  });
});
