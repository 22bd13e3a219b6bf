/**
 * Production mode (`NODE_ENV=production`): what the endpoint shows about itself, CSRF
 * prevention, and persisted operations fed from the codegen step.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { graphHarness } from './support/harness.js';

const start = graphHarness();
const PRODUCTION = { NODE_ENV: 'production' };
const INTROSPECTION = '{ __schema { queryType { name } } }';
const TYPO = '{ user(id: "u1") { personal { nam } } }';

const persisted = JSON.parse(readFileSync(new URL('../generated/client/persisted-documents.json', import.meta.url), 'utf8')) as Record<
  string,
  string
>;
const hashOf = (operationName: string) =>
  Object.entries(persisted).find(([, document]) => document.includes(`query ${operationName}(`))![0];

async function post(url: string, body: object, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as { data?: unknown; errors?: { message: string; extensions?: Record<string, unknown> }[] },
  };
}

describe('production mode', () => {
  it('refuses introspection and hides field suggestions', async () => {
    const { graph } = await start({}, PRODUCTION);
    const introspection = await graph.query(INTROSPECTION);
    expect(introspection.status).toBe(400);
    expect(introspection.body.data).toBeUndefined();
    expect(introspection.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');

    const typo = await graph.query(TYPO);
    expect(typo.body.errors?.map((e) => e.message)).toEqual(['Cannot query field "nam" on type "PersonalInfo". [Suggestion hidden]']);
  });

  it('serves no GraphiQL page', async () => {
    const { graph } = await start({}, PRODUCTION);
    const page = await fetch(`${graph.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(406);
    expect(await page.text()).not.toContain('GraphiQL');
  });

  it('refuses a GET a third-party page could make a browser send (CSRF prevention), not one with a non-simple header', async () => {
    const { graph } = await start({}, PRODUCTION);
    const get = (headers: Record<string, string>) =>
      fetch(`${graph.url}/graphql?query=${encodeURIComponent('{ user(id: "u1") { id } }')}`, { headers });
    const refused = await get({});
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { errors: { extensions: unknown }[] }).errors[0]!.extensions).toEqual({ code: 'CSRF_PREVENTED' });
    const form = await fetch(`${graph.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"query":"{ __typename }"}',
    });
    expect(form.status).toBe(403);
    const allowed = await get({ 'x-graphql-yoga-csrf': '1' });
    expect([allowed.status, await allowed.json()]).toEqual([200, { data: { user: { id: 'u1' } } }]);
  });

  it('shows what is asked for: INTROSPECTION=on and GRAPHIQL=on', async () => {
    const { graph } = await start({}, { ...PRODUCTION, INTROSPECTION: 'on', GRAPHIQL: 'on' });
    expect((await graph.query(INTROSPECTION)).body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    expect((await graph.query(TYPO)).body.errors?.[0]?.message).toBe(
      'Cannot query field "nam" on type "PersonalInfo". Did you mean "name"?',
    );
    expect(await (await fetch(`${graph.url}/graphql`, { headers: { accept: 'text/html' } })).text()).toContain('GraphiQL');
  });

  it('outside production, introspection, suggestions and GraphiQL are on and CSRF prevention off', async () => {
    const { graph } = await start();
    expect((await graph.query(INTROSPECTION)).status).toBe(200);
    expect((await graph.query(TYPO)).body.errors?.[0]?.message).toContain('Did you mean "name"?');
    expect((await fetch(`${graph.url}/graphql?query=${encodeURIComponent('{ __typename }')}`)).status).toBe(200);
  });
});

describe('persisted operations', () => {
  it('runs an operation of operations/ sent by its hash, as codegen names it or as Apollo clients send it', async () => {
    const { graph } = await start();
    const hash = hashOf('OrderDetails');
    const byDocumentId = await post(graph.url, { documentId: hash, variables: { id: 'o1' } });
    expect(byDocumentId.status).toBe(200);
    expect(byDocumentId.body.data).toMatchObject({ order: { id: 'o1', status: 'PLACED' } });
    const apollo = await post(graph.url, {
      variables: { id: 'o1' },
      extensions: { persistedQuery: { version: 1, sha256Hash: hash.replace('sha256:', '') } },
    });
    expect(apollo.body).toEqual(byDocumentId.body);
  });

  it('with PERSISTED_OPERATIONS_ONLY=on, refuses any other document and any unknown hash', async () => {
    const { graph, fakes } = await start({}, { PERSISTED_OPERATIONS_ONLY: 'on' });
    const known = await post(graph.url, { documentId: hashOf('OrderDetails'), variables: { id: 'o1' } });
    expect(known.body.data).toMatchObject({ order: { id: 'o1' } });
    const calls = fakes.orders.requests.length;

    const arbitrary = await post(graph.url, { query: '{ order(id: "o1") { id } }' });
    expect(arbitrary.status).toBe(400);
    expect(arbitrary.body.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([
      [
        'Only persisted operations run here: send the hash of one (generated/client/persisted-documents.json) as documentId.',
        'PERSISTED_QUERY_ONLY',
      ],
    ]);
    const unknown = await post(graph.url, { documentId: `sha256:${'0'.repeat(64)}` });
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([
      ['No persisted operation has this hash.', 'PERSISTED_QUERY_NOT_FOUND'],
    ]);
    expect(fakes.orders.requests).toHaveLength(calls);
  });
});
