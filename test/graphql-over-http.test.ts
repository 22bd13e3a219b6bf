/**
 * GraphQL over HTTP conformance: the graphql-http package's server audits, against the
 * server as `npm start` configures it outside production (GET requests without a custom
 * header are among what the audits send; production's CSRF prevention refuses them).
 */
import { auditServer } from 'graphql-http';
import { expect, it } from 'vitest';
import { graphHarness } from './support/harness.js';

const start = graphHarness();

it('passes every MUST and SHOULD of the graphql-http server audits', async () => {
  const { graph } = await start();
  const results = await auditServer({ url: `${graph.url}/graphql` });
  const musts = results.filter((result) => result.name.startsWith('MUST'));
  expect(musts.length).toBeGreaterThanOrEqual(13);
  const failed = results.filter((result) => result.status === 'error' || (result.status !== 'ok' && !result.name.startsWith('MAY')));
  expect(failed.map((result) => `${result.name}: ${'reason' in result ? result.reason : ''}`)).toEqual([]);
  // The server still answers after the audits' malformed requests.
  expect((await graph.query('{ user(id: "u1") { id } }')).body).toEqual({ data: { user: { id: 'u1' } } });
});

it('a subscription is refused before it runs: 400, OPERATION_NOT_SUPPORTED (200 for application/json, as any request error)', async () => {
  const { graph, fakes } = await start();
  const refused = await graph.query('subscription { user(id: "u1") { id } }');
  expect(refused.status).toBe(400);
  expect(refused.body).toEqual({
    errors: [
      expect.objectContaining({
        message: expect.stringMatching(/subscription is not supported/),
        extensions: { code: 'OPERATION_NOT_SUPPORTED' },
      }),
    ],
  });
  const legacy = await graph.query('subscription { __typename }', {}, { accept: 'application/json' });
  expect([legacy.status, legacy.body.errors?.[0]?.extensions]).toEqual([200, { code: 'OPERATION_NOT_SUPPORTED' }]);
  expect(fakes.personal.requests).toHaveLength(0);
});
