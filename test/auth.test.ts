/**
 * Authentication (bearer JWTs, HMAC or JWKS) and authorization (`@ownerOnly`): who may see
 * and do what, against contract fakes that record every upstream call.
 */
import { spawnSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { graphHarness } from './support/harness.js';
import { writeFakes } from './support/write-fakes.js';
import { AUDIENCE, bearer, HMAC_AUTH, hmacToken, ISSUER, startJwksIssuer, type JwksIssuer } from './support/tokens.js';

const start = graphHarness();

const PROFILE = '{ user(id: "u1") { id personal { name } } }';

describe('authentication', () => {
  it('refuses a request without a token with 401 UNAUTHENTICATED, before any upstream is called', async () => {
    const { graph, fakes } = await start({}, HMAC_AUTH);
    const { status, headers, body } = await graph.query(PROFILE);
    expect(status).toBe(401);
    expect(headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(body).toEqual({
      errors: [{ message: 'Authentication required: send `Authorization: Bearer <token>`.', extensions: { code: 'UNAUTHENTICATED' } }],
    });
    expect(fakes.personal.requests).toHaveLength(0);
  });

  it("refuses before anything reads the request's parameters: 401, not a bad onError's 400 or an unknown hash's answer", async () => {
    const { graph } = await start({}, HMAC_AUTH);
    const refusals = [
      await graph.query(PROFILE, {}, {}, { onError: 'SOMETIMES' }),
      await graph.query(PROFILE, {}, { 'x-graph-on-error': 'SOMETIMES' }),
      await graph.query('', {}, {}, { extensions: { persistedQuery: { version: 1, sha256Hash: 'f'.repeat(64) } } }),
    ];
    expect(refusals.map(({ status, body }) => [status, body.errors?.map((e) => e.extensions?.code)])).toEqual(
      refusals.map(() => [401, ['UNAUTHENTICATED']]),
    );
  });

  it.each([
    ['an expired token', () => hmacToken('u1', { expiresIn: -120 }), 'The token has expired.'],
    [
      'a token signed with another secret',
      () => hmacToken('u1', { secret: 'another-secret-of-at-least-thirty-two-chars' }),
      'The token signature is not valid.',
    ],
    [
      'a token for another audience',
      () => hmacToken('u1', { audience: 'another-api' }),
      'The token\'s "aud" claim is not the one this server expects.',
    ],
    [
      'a token from another issuer',
      () => hmacToken('u1', { issuer: 'https://evil.example.test/' }),
      'The token\'s "iss" claim is not the one this server expects.',
    ],
    ['a token that is not a JWT', async () => 'not.a.jwt', 'The token is malformed.'],
    ['a token without a subject', () => hmacToken('', {}), 'The token\'s "sub" claim is missing.'],
  ])('refuses %s with 401 and says why', async (_, token, message) => {
    const { graph, fakes } = await start({}, HMAC_AUTH);
    const { status, body } = await graph.query(PROFILE, {}, bearer(await token()));
    expect(status).toBe(401);
    expect(body).toEqual({ errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] });
    expect(fakes.personal.requests).toHaveLength(0);
  });

  it('refuses an Authorization header that is not a bearer token', async () => {
    const { graph } = await start({}, HMAC_AUTH);
    const { status, body } = await graph.query(PROFILE, {}, { authorization: 'Basic dTE6cGFzcw==' });
    expect(status).toBe(401);
    expect(body.errors?.[0]?.message).toBe('The Authorization header is not a bearer token: send `Authorization: Bearer <token>`.');
  });

  it('accepts a token that expired within the clock skew, not one past it', async () => {
    const { graph } = await start({}, { ...HMAC_AUTH, AUTH_CLOCK_SKEW_S: '30' });
    expect((await graph.query(PROFILE, {}, bearer(await hmacToken('u1', { expiresIn: -10 })))).status).toBe(200);
    expect((await graph.query(PROFILE, {}, bearer(await hmacToken('u1', { expiresIn: -40 })))).status).toBe(401);
  });

  it('serves GraphiQL without a token: the page asks for nothing, its operations do', async () => {
    const { graph } = await start({}, HMAC_AUTH);
    const page = await fetch(`${graph.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('GraphiQL');
    // The headers pane says where the token goes.
    expect(html).toContain('npm run token -- u1');
  });

  it('`npm run token` prints a token the server accepts, with the admin role when asked', async () => {
    const token = (...args: string[]) => {
      const run = spawnSync(process.execPath, ['--import', 'tsx', 'server/token-command.ts', ...args], {
        env: { PATH: process.env.PATH ?? '', ...HMAC_AUTH },
        encoding: 'utf8',
      });
      expect(run.status).toBe(0);
      return run.stdout.trim();
    };
    const { graph } = await start({}, HMAC_AUTH);
    const query = '{ me { id } user(id: "u2") { personal { email } } }';
    const asUser = await graph.query(query, {}, bearer(token('u1')));
    expect(asUser.body.data).toEqual({ me: { id: 'u1' }, user: { personal: { email: null } } });
    const asAdmin = await graph.query(query, {}, bearer(token('u1', '--admin')));
    expect(asAdmin.body).toEqual({ data: { me: { id: 'u1' }, user: { personal: { email: 'alan@example.com' } } } });
  });

  it("forwards the caller's token to personal and orders", async () => {
    const { graph, fakes } = await start({}, HMAC_AUTH);
    const token = await hmacToken('u1');
    const { body } = await graph.query('{ me { personal { name } orders(first: 1) { nodes { id } } } }', {}, bearer(token));
    expect(body).toEqual({ data: { me: { personal: { name: 'Ada Lovelace' }, orders: { nodes: [{ id: 'o2' }] } } } });
    expect(fakes.personal.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${token}`]);
    expect(fakes.orders.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${token}`]);
  });

  describe('with a JWKS', () => {
    let issuer: JwksIssuer | undefined;
    afterEach(async () => {
      await issuer?.close();
      issuer = undefined;
    });

    it('verifies RS256 tokens with the published key, fetched once for many requests', async () => {
      issuer = await startJwksIssuer();
      const { graph } = await start({}, { AUTH_JWKS_URL: issuer.jwksUrl, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE });
      for (const user of ['u1', 'u2', 'u3']) {
        const { status, body } = await graph.query('{ me { id } }', {}, bearer(await issuer.token(user)));
        expect([status, body]).toEqual([200, { data: { me: { id: user } } }]);
      }
      expect(issuer.fetches()).toBe(1);
    });

    it('refuses an HMAC token even when it names the JWKS key: no algorithm confusion', async () => {
      issuer = await startJwksIssuer();
      const { graph } = await start({}, { AUTH_JWKS_URL: issuer.jwksUrl });
      const { status, body } = await graph.query('{ me { id } }', {}, bearer(await hmacToken('u1')));
      expect(status).toBe(401);
      expect(body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    });

    it('answers 503 AUTH_UNAVAILABLE, not 401, when the key set cannot be fetched', async () => {
      issuer = await startJwksIssuer();
      const token = await issuer.token('u1');
      const { jwksUrl } = issuer;
      await issuer.close();
      issuer = undefined;
      const { graph } = await start({}, { AUTH_JWKS_URL: jwksUrl });
      const { status, body } = await graph.query('{ me { id } }', {}, bearer(token));
      expect(status).toBe(503);
      expect(body.errors?.[0]?.extensions).toEqual({ code: 'AUTH_UNAVAILABLE', retryable: true });
    });
  });
});

describe('authorization', () => {
  const OTHERS = `{
    user(id: "u2") { id personal { name email } orders { nodes { id } } }
    order(id: "o3") { id }
  }`;

  it("a caller sees their own email and orders; another user's are null with FORBIDDEN, their orders not even fetched", async () => {
    const { graph, fakes } = await start({}, HMAC_AUTH);
    const token = bearer(await hmacToken('u1'));

    const own = await graph.query('{ me { id personal { email } orders { nodes { id } } } order(id: "o1") { id } }', {}, token);
    expect(own.body).toEqual({
      data: {
        me: { id: 'u1', personal: { email: 'ada@example.com' }, orders: { nodes: [{ id: 'o2' }, { id: 'o1' }] } },
        order: { id: 'o1' },
      },
    });

    fakes.orders.requests.length = 0;
    const others = await graph.query(OTHERS, {}, token);
    expect(others.status).toBe(200);
    expect(others.body.data).toEqual({ user: { id: 'u2', personal: { name: 'Alan Turing', email: null }, orders: null }, order: null });
    expect(others.body.errors).toHaveLength(3);
    expect(others.body.errors).toEqual(
      expect.arrayContaining([
        {
          message: 'Forbidden: PersonalInfo.email is only for the user it belongs to and for admins.',
          locations: expect.any(Array),
          path: ['user', 'personal', 'email'],
          extensions: { code: 'FORBIDDEN' },
        },
        {
          message: 'Forbidden: User.orders is only for the user it belongs to and for admins.',
          locations: expect.any(Array),
          path: ['user', 'orders'],
          extensions: { code: 'FORBIDDEN' },
        },
        {
          message: 'Forbidden: Query.order is only for the user it belongs to and for admins.',
          locations: expect.any(Array),
          path: ['order'],
          extensions: { code: 'FORBIDDEN' },
        },
      ]),
    );
    // The order had to be fetched to know whose it is; u2's list of orders never was.
    expect(fakes.orders.requests.map((r) => r.pathname)).toEqual(['/orders/o3']);
  });

  it("a token with the admin role sees every user's data", async () => {
    const { graph } = await start({}, HMAC_AUTH);
    const { body } = await graph.query(OTHERS, {}, bearer(await hmacToken('u1', { roles: ['admin'] })));
    expect(body).toEqual({
      data: {
        user: { id: 'u2', personal: { name: 'Alan Turing', email: 'alan@example.com' }, orders: { nodes: [{ id: 'o3' }] } },
        order: { id: 'o3' },
      },
    });
  });

  it('the admin role is read from the configured claim and name, also as a space-separated string', async () => {
    const { graph } = await start({}, { ...HMAC_AUTH, AUTH_ADMIN_ROLE: 'support' });
    const asAdmin = await graph.query(OTHERS, {}, bearer(await hmacToken('u1', { roles: ['admin'] })));
    expect(asAdmin.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
    const asSupport = await graph.query(OTHERS, {}, bearer(await hmacToken('u1', { roles: 'viewer support' })));
    expect(asSupport.body.errors).toBeUndefined();
  });

  const PLACE = `mutation Place($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } userErrors { code } } }`;
  const input = (userId: string, key: string) => ({ input: { userId, items: [{ productId: 'p1', quantity: 1 }], idempotencyKey: key } });

  it('a caller places orders only for themself: for another user FORBIDDEN, and nothing is written', async () => {
    const write = writeFakes();
    const { graph, fakes } = await start(write.handlers, HMAC_AUTH);
    const token = bearer(await hmacToken('u1'));

    const refused = await graph.query(PLACE, input('u2', 'k-other'), token);
    expect(refused.body).toEqual({
      data: null,
      errors: [
        {
          message: 'Forbidden: Mutation.placeOrder is only for the user it belongs to and for admins.',
          locations: expect.any(Array),
          path: ['placeOrder'],
          extensions: { code: 'FORBIDDEN' },
        },
      ],
    });
    expect([...fakes.orders.requests, ...fakes.inventory.requests]).toHaveLength(0);

    const own = await graph.query(PLACE, input('u1', 'k-own'), token);
    expect(own.body.data?.placeOrder).toEqual({ order: { id: expect.any(String) }, userErrors: [] });
    expect(write.state.orders.size).toBe(1);
  });

  it('an admin places an order for another user', async () => {
    const write = writeFakes();
    const { graph } = await start(write.handlers, HMAC_AUTH);
    const { body } = await graph.query(PLACE, input('u2', 'k-admin'), bearer(await hmacToken('u1', { roles: ['admin'] })));
    expect(body.data?.placeOrder).toEqual({ order: { id: expect.any(String) }, userErrors: [] });
    expect([...write.state.orders.values()].map((order) => order.userId)).toEqual(['u2']);
  });

  it('with authentication off, every caller is trusted and nobody is `me`', async () => {
    const { graph } = await start();
    const { body } = await graph.query('{ me { id } user(id: "u2") { personal { email } } }');
    expect(body).toEqual({
      data: { me: null, user: { personal: { email: 'alan@example.com' } } },
      errors: [
        {
          message: 'Nobody is signed in: authentication is off on this server.',
          locations: expect.any(Array),
          path: ['me'],
          extensions: { code: 'UNAUTHENTICATED' },
        },
      ],
    });
  });
});
