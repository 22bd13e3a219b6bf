/**
 * `/metrics` after real queries against the fakes: parsed with a Prometheus text parser,
 * with the samples an operator's dashboard relies on, and no label that grows with the data.
 */
import { readFileSync } from 'node:fs';
import parsePrometheusTextFormat, { type PrometheusFamily } from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { json } from './support/fake-upstream.js';
import { writeFakes } from './support/write-fakes.js';
import { bearer, HMAC_AUTH, hmacToken } from './support/tokens.js';
import { graphHarness } from './support/harness.js';
import type { GraphServer } from './support/graph.js';
import { SERVICE_NAMES } from '../errors/service-name.js';

const setup = graphHarness();

const PROFILE = 'query Profile { user(id: "u1") { personal { name } professional { title } orders(first: 5) { nodes { id } } } }';

interface Scrape {
  /** The exposition as a Prometheus text parser reads it (counters and gauges; it folds labelled histograms). */
  families: PrometheusFamily[];
  /** Every sample line, `name{labels} value`, for what the parser folds. */
  lines: string[];
}

async function scrape(graph: GraphServer): Promise<Scrape> {
  const response = await fetch(`${graph.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();
  return { families: parsePrometheusTextFormat(text), lines: text.split('\n').filter((line) => line !== '' && !line.startsWith('#')) };
}

/** The value of the sample of `family` whose labels include `labels` (counters and gauges). */
function sample({ families }: Scrape, family: string, labels: Record<string, string>): number | undefined {
  const found = families.find((f) => f.name === family)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return found === undefined ? undefined : Number(found.value);
}

/** The `_count` of a histogram's series whose labels include `labels`. */
function observations({ lines }: Scrape, histogram: string, labels: Record<string, string>): number | undefined {
  const line = lines.find(
    (l) => l.startsWith(`${histogram}_count{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)),
  );
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

describe('/metrics', () => {
  it('counts operations, upstream calls by route template and DataLoader batches', async () => {
    const { graph } = await setup();
    await graph.query(PROFILE);
    await graph.query('query Team { users(ids: ["u1", "u2", "u3"]) { personal { name } } }');
    const metrics = await scrape(graph);

    expect(sample(metrics, 'graphql_operations_total', { operation: 'Profile', type: 'query', outcome: 'success' })).toBe(1);
    expect(sample(metrics, 'graphql_operations_total', { operation: 'Team', type: 'query', outcome: 'success' })).toBe(1);
    expect(observations(metrics, 'graphql_operation_duration_seconds', { operation: 'Profile', type: 'query' })).toBe(1);
    expect(
      sample(metrics, 'upstream_requests_total', {
        service: 'personal',
        route: '/users/{id}',
        method: 'GET',
        status: '200',
        cache: 'miss',
      }),
    ).toBe(1);
    expect(sample(metrics, 'upstream_requests_total', { service: 'personal', route: '/users', method: 'GET', status: '200' })).toBe(1);
    expect(sample(metrics, 'upstream_requests_total', { service: 'professional', route: '/profiles/{userId}', status: '200' })).toBe(1);
    expect(sample(metrics, 'upstream_requests_total', { service: 'orders', route: '/users/{userId}/orders', status: '200' })).toBe(1);
    expect(observations(metrics, 'upstream_request_duration_seconds', { service: 'orders', route: '/users/{userId}/orders' })).toBe(1);
    // Two personal batches: one key (u1), then three.
    expect(observations(metrics, 'dataloader_batch_size', { loader: 'personal.users' })).toBe(2);
    // A histogram's buckets count cumulatively, up to +Inf: every observation.
    const batches = metrics.lines.filter((l) => l.startsWith('dataloader_batch_size_') && l.includes('loader="personal.users"'));
    expect(batches).toEqual([
      ...[1, 2].map((le) => `dataloader_batch_size_bucket{le="${le}",loader="personal.users"} 1`),
      ...[5, 10, 25, 50, 100, 250, '+Inf'].map((le) => `dataloader_batch_size_bucket{le="${le}",loader="personal.users"} 2`),
      'dataloader_batch_size_sum{loader="personal.users"} 4',
      'dataloader_batch_size_count{loader="personal.users"} 2',
    ]);
    for (const service of SERVICE_NAMES) {
      expect(sample(metrics, 'upstream_circuit_state', { service })).toBe(0);
    }
    // The adaptive concurrency limits: where they start, for the services not called yet.
    expect(sample(metrics, 'upstream_concurrency_limit', { service: 'inventory' })).toBe(20);
    expect(sample(metrics, 'upstream_concurrency_limit', { service: 'notifications' })).toBe(20);
    expect(sample(metrics, 'order_queue_depth', {})).toBe(0);
    expect(metrics.families.some((f) => f.name === 'process_cpu_seconds_total')).toBe(true);
  });

  it('counts a failing upstream in the calls by status, the errors by code and the partial outcome', async () => {
    const { graph } = await setup({ professional: (_, res) => json(res, 500, {}) });
    await graph.query(PROFILE);
    const metrics = await scrape(graph);
    expect(sample(metrics, 'upstream_requests_total', { service: 'professional', route: '/profiles/{userId}', status: '500' })).toBe(1);
    expect(sample(metrics, 'graphql_errors_total', { code: 'UPSTREAM_UNAVAILABLE' })).toBe(1);
    expect(sample(metrics, 'graphql_operations_total', { operation: 'Profile', outcome: 'partial' })).toBe(1);
  });

  it('counts requests turned away before execution by their code', async () => {
    const { graph } = await setup();
    await graph.query('{ user(id: "u1") { nope } }');
    await graph.query('{ user(id: ');
    const metrics = await scrape(graph);
    expect(sample(metrics, 'graphql_errors_total', { code: 'GRAPHQL_VALIDATION_FAILED' })).toBe(1);
    expect(sample(metrics, 'graphql_errors_total', { code: 'GRAPHQL_PARSE_FAILED' })).toBe(1);
  });

  it("counts the public endpoint's refusals by their code: tokens, rate limit, limits", async () => {
    const { graph } = await setup({}, { ...HMAC_AUTH, RATE_LIMIT_REQUESTS: '3', MAX_DEPTH: '2', MAX_COST: '5' });
    const token = bearer(await hmacToken('u1'));
    await graph.query('{ me { id } }');
    await graph.query('{ me { personal { name } } }', {}, token);
    await graph.query('{ users(ids: ["u1", "u2", "u3"]) { id } }', {}, token);
    await graph.query('{ me { id } }', {}, token);
    await graph.query('{ me { id } }', {}, token);
    const metrics = await scrape(graph);
    expect(sample(metrics, 'graphql_errors_total', { code: 'UNAUTHENTICATED' })).toBe(1);
    expect(sample(metrics, 'graphql_errors_total', { code: 'OPERATION_LIMIT_EXCEEDED' })).toBe(1);
    expect(sample(metrics, 'graphql_errors_total', { code: 'COST_ESTIMATED_TOO_EXPENSIVE' })).toBe(1);
    expect(sample(metrics, 'graphql_operation_cost_over_limit_total', { operation: 'anonymous', mode: 'enforce' })).toBe(1);
    expect(sample(metrics, 'graphql_errors_total', { code: 'RATE_LIMITED' })).toBe(1);
  });

  it('keeps every label bounded: no ids, and client-chosen operation names capped', async () => {
    const { graph } = await setup();
    for (let i = 0; i < 120; i++) await graph.query(`query Op${i} { user(id: "u${(i % 3) + 1}") { id } }`);
    await graph.query('query { users(ids: ["u1", "u2"]) { id } }');
    const metrics = await scrape(graph);
    const values = metrics.lines.flatMap((line) => [...line.matchAll(/\w+="([^"]*)"/g)].map((match) => match[1]!));
    expect(values.length).toBeGreaterThan(100);
    expect(values.filter((value) => /\bu\d+\b/.test(value))).toEqual([]);
    const names = new Set(metrics.families.find((f) => f.name === 'graphql_operations_total')!.metrics.map((m) => m.labels!.operation));
    expect(names.size).toBeLessThanOrEqual(102);
    expect(names.has('other')).toBe(true);
    expect(names.has('anonymous')).toBe(true);
  });

  it('counts the order queue: retries, dead letters, and what is waiting', async () => {
    const write = writeFakes();
    const { graph, fakes } = await setup(
      { ...write.handlers, notifications: (_, res) => json(res, 503, {}) },
      { EMAIL_MAX_ATTEMPTS: '3', UPSTREAM_MAX_RETRIES: '0', QUEUE_POLL_MS: '10', QUEUE_RETRY_BASE_MS: '10', QUEUE_RETRY_MAX_MS: '20' },
    );
    await graph.query(
      'mutation { placeOrder(input: { userId: "u1", items: [{ productId: "p1", quantity: 1 }], idempotencyKey: "k1" }) ' +
        '{ confirmationEmail } }',
    );
    await fakes.notifications.received(3);
    // The third failure is written right after the fake answered it: read until it shows, for at most 10 s.
    let metrics = await scrape(graph);
    for (const giveUpAt = Date.now() + 10_000; sample(metrics, 'order_queue_dead_letters_total', {}) !== 1 && Date.now() < giveUpAt;) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      metrics = await scrape(graph);
    }
    expect(sample(metrics, 'order_queue_dead_letters_total', {})).toBe(1);
    expect(sample(metrics, 'order_queue_retries_total', { step: 'email' })).toBe(2);
    expect(sample(metrics, 'order_queue_depth', {})).toBe(0);
  });

  it('has every metric the checked-in Grafana dashboard queries', async () => {
    const { graph } = await setup();
    await graph.query(PROFILE);
    const names = new Set((await scrape(graph)).families.map((f) => f.name));
    const dashboard = JSON.parse(readFileSync(new URL('../telemetry/grafana-dashboard.json', import.meta.url), 'utf8')) as {
      panels: { targets: { expr: string }[] }[];
    };
    const queried = dashboard.panels.flatMap((panel) =>
      panel.targets.flatMap((target) => [...target.expr.matchAll(/\b([a-z]+_[a-z0-9_]+)\b/g)].map((m) => m[1]!)),
    );
    const metricsQueried = new Set(
      queried
        .filter((name) => !name.startsWith('rate_') && name !== 'histogram_quantile')
        .map((name) => name.replace(/_(bucket|sum|count)$/, '')),
    );
    expect(metricsQueried.size).toBeGreaterThan(10);
    expect([...metricsQueried].filter((name) => !names.has(name))).toEqual([]);
  });
});
