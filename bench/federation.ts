/**
 * `npm run bench` (last part): a query through a federated gateway against the same data asked
 * of the graph alone. A reviews subgraph (in this process) holds 20 reviews by 20 users; Hive
 * Gateway's runtime (in this process) serves the supergraph composed of it and this graph
 * (`server/main.ts` in a process of its own, over the demo services at 20 ms a call, in a third).
 *
 * - through the gateway: `latestReviews { author { personal professional orders(first: 3) } }`
 * - the graph alone:    `users(ids: [the 20 authors]) { personal professional orders(first: 3) }`
 *
 * Upstream calls counted by the demo services for one query of each; times: the median and the
 * slowest of ROUNDS queries of each, one at a time, interleaved. Every run bounded, on 127.0.0.1.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { createGatewayRuntime } from '@graphql-hive/gateway-runtime';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { FAULTY_PROFILE_USERS } from '../demo/data.js';
import { subgraphSdl } from '../server/subgraph.js';
import { startServerProcess } from '../test/support/server-process.js';
import { startDemoProcess } from './demo-process.js';

const ROUNDS = 15;
// 20 users whose profiles the demo services answer (some always fail, to show partial results).
const AUTHORS = Array.from({ length: 30 }, (_, i) => `u${i + 1}`)
  .filter((id) => !FAULTY_PROFILE_USERS.includes(id))
  .slice(0, 20);
const REVIEWS = AUTHORS.map((author, i) => ({ id: `r${i}`, body: `review ${i}`, author }));
const REVIEWS_SDL = `
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
  type Review { id: ID! body: String! author: User! }
  type User @key(fields: "id") { id: ID! }
  type Query { latestReviews: [Review!]! }
`;
const SELECTION = '{ personal { name } professional { title } orders(first: 3) { nodes { id } } }';
const THROUGH_GATEWAY = `{ latestReviews { body author ${SELECTION} } }`;
const GRAPH_ALONE = `{ users(ids: ${JSON.stringify(AUTHORS)}) ${SELECTION} }`;

const servers: Server[] = [];
async function listen(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

async function post(url: string, query: string): Promise<{ ms: number; errors: unknown }> {
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const body = (await response.json()) as { errors?: unknown };
  return { ms: performance.now() - started, errors: body.errors };
}

const demo = await startDemoProcess(20);
const { server, url: graphBase } = await startServerProcess(demo.urlEnv);
try {
  const reviews = buildSubgraphSchema([
    {
      typeDefs: parse(REVIEWS_SDL),
      resolvers: { Query: { latestReviews: () => REVIEWS }, Review: { author: (review: { author: string }) => ({ id: review.author }) } },
    },
  ]);
  const reviewsYoga = createYoga({ schema: reviews, logging: false });
  const reviewsUrl = await listen((req, res) => void reviewsYoga(req, res));
  const composed = composeServices([
    { name: 'users-orders', typeDefs: parse(subgraphSdl()), url: `${graphBase}/graphql` },
    { name: 'reviews', typeDefs: parse(REVIEWS_SDL), url: reviewsUrl },
  ]);
  if (!('supergraphSdl' in composed) || composed.supergraphSdl === undefined) throw new Error(JSON.stringify(composed.errors));
  const gateway = createGatewayRuntime({ supergraph: composed.supergraphSdl, logging: false });
  const gatewayUrl = await listen((req, res) => void gateway(req, res));

  const cases = [
    { name: 'through the gateway', url: gatewayUrl, query: THROUGH_GATEWAY },
    { name: 'the graph alone', url: `${graphBase}/graphql`, query: GRAPH_ALONE },
  ];
  // Warm both paths (connections, caches of parsed documents), then count one query of each.
  for (const { url, query } of cases) for (let i = 0; i < 3; i += 1) await post(url, query);
  const calls: Record<string, number> = {};
  for (const { name, url, query } of cases) {
    const before = await demo.calls();
    const { errors } = await post(url, query);
    if (errors !== undefined) throw new Error(`${name}: ${JSON.stringify(errors)}`);
    calls[name] = (await demo.calls()) - before;
  }
  const times: Record<string, number[]> = Object.fromEntries(cases.map(({ name }) => [name, []]));
  for (let round = 0; round < ROUNDS; round += 1) for (const { name, url, query } of cases) times[name]!.push((await post(url, query)).ms);

  console.log(`\n20 reviews joined to their 20 users (personal, professional, orders(first: 3)); demo services at 20 ms a call\n`);
  console.log('| query | upstream calls | median | slowest |\n|---|---|---|---|');
  for (const { name } of cases) {
    const sorted = times[name]!.sort((a, b) => a - b);
    console.log(`| ${name} | ${calls[name]} | ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms | ${sorted.at(-1)!.toFixed(1)} ms |`);
  }
} finally {
  for (const open of servers) open.close();
  server.child.kill('SIGTERM');
  await server.exited;
  await demo.stop();
}
