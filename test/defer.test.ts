/**
 * Incremental delivery (`@defer`, `@stream`): the fast fields arrive first, the slow ones
 * when their service answers. Proven without clocks: professional holds its answer until
 * the test has read the first part.
 */
import { expect, it } from 'vitest';
import { contractHandlers } from './support/contract-fakes.js';
import { deferred } from './support/fake-upstream.js';
import { graphHarness } from './support/harness.js';
import { parts } from './support/multipart.js';

const start = graphHarness();

it('@defer: the user arrives before professional has answered, professional after it', async () => {
  const release = deferred();
  const { graph } = await start({
    professional: async (request, res) => {
      await release.promise;
      contractHandlers.professional(request, res);
    },
  });
  const response = await fetch(`${graph.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
    body: JSON.stringify({ query: '{ user(id: "u1") { personal { name } ... @defer { professional { title } } } }' }),
  });
  expect(response.status).toBe(200);
  const stream = parts(response);

  const first = await stream.next();
  // Professional is still holding its answer: this part cannot contain it.
  expect(first.value).toEqual({ data: { user: { personal: { name: 'Ada Lovelace' } } }, hasNext: true });

  release.resolve();
  const rest: Record<string, unknown>[] = [];
  for await (const part of stream) rest.push(part);
  expect(rest).toEqual([{ incremental: [{ data: { professional: { title: 'Programmer' } }, path: ['user'] }], hasNext: false }]);
});

it('@stream: the items of a list arrive one part after another', async () => {
  const { graph } = await start();
  const response = await fetch(`${graph.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
    body: JSON.stringify({ query: '{ users(ids: ["u1", "u2", "u3"]) @stream(initialCount: 1) { id } }' }),
  });
  const all: Record<string, unknown>[] = [];
  for await (const part of parts(response)) all.push(part);
  expect(all[0]).toEqual({ data: { users: [{ id: 'u1' }] }, hasNext: true });
  const streamed = all
    .slice(1)
    .flatMap((part) => (part.incremental as { items: unknown[] }[] | undefined)?.flatMap((entry) => entry.items) ?? []);
  expect(streamed).toEqual([{ id: 'u2' }, { id: 'u3' }]);
  expect(all.at(-1)?.hasNext).toBe(false);
});
