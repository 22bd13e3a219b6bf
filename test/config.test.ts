/**
 * Settings of the upstream policies: defaults, the `UPSTREAM_` default for every service,
 * the `<SERVICE>_` override for one, and refusals that name the variable.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../server/config.js';

describe('upstream settings', () => {
  it('have documented defaults', () => {
    const config = loadConfig({});
    expect(config.requestTimeoutMs).toBe(10_000);
    expect(config.upstreams.professional).toEqual({
      url: undefined,
      timeoutMs: 2000,
      maxConcurrency: 256,
      minConcurrency: 4,
      maxQueue: 10_000,
      maxResponseBytes: 5 * 1024 * 1024,
      maxUrlLength: 4096,
      retry: { maxRetries: 2, baseDelayMs: 100, maxDelayMs: 1000, budgetRatio: 0.2, budgetBurst: 10 },
      circuit: { failureRatio: 0.5, windowMs: 10_000, minCalls: 20, halfOpenAfterMs: 5000 },
      cacheMaxBytes: 16 * 1024 * 1024,
    });
  });

  it('take UPSTREAM_<NAME> for every service and <SERVICE>_<NAME> for one', () => {
    const config = loadConfig({
      UPSTREAM_MAX_RETRIES: '1',
      INVENTORY_MAX_RETRIES: '0',
      UPSTREAM_CIRCUIT_MIN_CALLS: '5',
      PROFESSIONAL_CACHE_MAX_BYTES: '1048576',
    });
    expect(config.upstreams.personal.retry.maxRetries).toBe(1);
    expect(config.upstreams.inventory.retry.maxRetries).toBe(0);
    expect(config.upstreams.orders.circuit.minCalls).toBe(5);
    expect(config.upstreams.professional.cacheMaxBytes).toBe(1048576);
    expect(config.upstreams.personal.cacheMaxBytes).toBe(16 * 1024 * 1024);
  });

  it.each([
    ['UPSTREAM_RETRY_BUDGET_RATIO', '1.5'],
    ['PROFESSIONAL_CIRCUIT_FAILURE_RATIO', '0'],
    ['ORDERS_MAX_QUEUE', '-1'],
    ['REQUEST_TIMEOUT_MS', 'later'],
  ])('refuse %s=%s with a message naming it', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(`${name}="${value}" is not valid`);
  });
});

describe('public endpoint settings', () => {
  it('have documented defaults: authentication off, limits on, the rate limit off until configured, production strict', () => {
    const config = loadConfig({});
    expect(config.auth).toEqual({
      jwtSecret: undefined,
      jwksUrl: undefined,
      issuer: undefined,
      audience: undefined,
      clockSkewS: 30,
      rolesClaim: 'roles',
      adminRole: 'admin',
    });
    expect(config.limits).toEqual({
      maxDepth: 10,
      maxAliases: 15,
      maxTokens: 1000,
      maxDirectives: 20,
      maxCost: 5000,
      costMode: 'enforce',
      defaultListSize: 10,
      maxBodyBytes: 102_400,
      maxBatch: 0,
      documentCacheBytes: 64 * 1024 * 1024,
    });
    expect(config.rateLimit).toEqual({ requests: 0, windowS: 60, trustProxy: false });
    expect(config.exposure).toEqual({
      production: false,
      introspection: true,
      subgraphSdl: true,
      graphiql: true,
      csrfPrevention: false,
      persistedOperationsOnly: false,
    });
    expect(loadConfig({ NODE_ENV: 'production' }).exposure).toEqual({
      production: true,
      introspection: false,
      subgraphSdl: false,
      graphiql: false,
      csrfPrevention: true,
      persistedOperationsOnly: false,
    });
    expect(loadConfig({ NODE_ENV: 'production', INTROSPECTION: 'on', CSRF_PREVENTION: 'off' }).exposure).toMatchObject({
      introspection: true,
      csrfPrevention: false,
    });
  });

  it.each([
    ['AUTH_JWT_SECRET', 'too-short', 'at least 32 characters'],
    ['AUTH_JWKS_URL', 'file:///etc/keys', 'is not valid'],
    ['MAX_DEPTH', '0', 'is not valid'],
    ['GRAPHIQL', 'yes', 'is not valid'],
  ])('refuse %s=%s', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(message);
  });

  // A templating mistake (`AUTH_JWT_SECRET=`) must not start a production server with authentication off.
  it.each(['AUTH_JWT_SECRET', 'AUTH_JWKS_URL', 'AUTH_ISSUER', 'ADMIN_TOKEN', 'RATE_LIMIT_REQUESTS', 'INTROSPECTION', 'NODE_ENV'])(
    'refuse %s set but blank, naming it',
    (name) => {
      for (const blank of ['', '  ']) {
        expect(() => loadConfig({ NODE_ENV: 'production', [name]: blank })).toThrow(`${name} is set but blank`);
      }
    },
  );

  it('take the default of an ordinary setting set but blank', () => {
    expect(loadConfig({ MAX_DEPTH: '' }).limits.maxDepth).toBe(10);
  });

  it('refuse a secret and a key set at once', () => {
    expect(() => loadConfig({ AUTH_JWT_SECRET: 'x'.repeat(32), AUTH_JWKS_URL: 'https://login.example.test/jwks.json' })).toThrow(
      'AUTH_JWT_SECRET and AUTH_JWKS_URL are both set',
    );
  });
});
