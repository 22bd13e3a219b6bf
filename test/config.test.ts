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
      maxConcurrency: 64,
      maxQueue: 1024,
      maxResponseBytes: 5 * 1024 * 1024,
      maxUrlLength: 4096,
      retry: { maxRetries: 2, baseDelayMs: 100, maxDelayMs: 1000, budgetRatio: 0.2, budgetBurst: 10 },
      circuit: { failureRatio: 0.5, windowMs: 10_000, minCalls: 20, halfOpenAfterMs: 5000 },
      cacheMaxBytes: 16 * 1024 * 1024,
    });
  });

  it('take UPSTREAM_<NAME> for every service and <SERVICE>_<NAME> for one', () => {
    const config = loadConfig({ UPSTREAM_MAX_RETRIES: '1', INVENTORY_MAX_RETRIES: '0', UPSTREAM_CIRCUIT_MIN_CALLS: '5', PROFESSIONAL_CACHE_MAX_BYTES: '0' });
    expect(config.upstreams.personal.retry.maxRetries).toBe(1);
    expect(config.upstreams.inventory.retry.maxRetries).toBe(0);
    expect(config.upstreams.orders.circuit.minCalls).toBe(5);
    expect(config.upstreams.professional.cacheMaxBytes).toBe(0);
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
