/**
 * What the differential tests ask two graphs that must answer alike (compiled execution and the
 * standard executor; the fast path and Yoga's): the example queries of `operations/`, faults for
 * the contract fakes to inject, so that errors of every kind appear, and error cases.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { contractHandlers } from './contract-fakes.js';
import { json, type Handler } from './fake-upstream.js';

const operationsDir = new URL('../../operations/', import.meta.url);
export const EXAMPLES = readdirSync(operationsDir)
  .filter((name) => name.endsWith('.graphql'))
  .map((name) => readFileSync(new URL(name, operationsDir), 'utf8'))
  .filter((document) => !/^\s*mutation\b/m.test(document));

/** Faults the fakes inject for some ids, so that errors of every kind appear in the answers. */
export const faulty: Partial<Record<'professional' | 'orders' | 'inventory', Handler>> = {
  professional: (request, res) =>
    request.pathname === '/profiles/u2'
      ? json(res, 500, { error: { code: 'DOWN', message: 'down' } })
      : contractHandlers.professional(request, res),
  orders: (request, res) =>
    request.pathname === '/users/u3/orders' ? json(res, 200, { orders: 'not a list' }) : contractHandlers.orders(request, res),
  inventory: (request, res) => (request.url.includes('p2') ? json(res, 503, {}) : contractHandlers.inventory(request, res)),
};

export const ERROR_CASES: { query: string; variables?: Record<string, unknown> }[] = [
  { query: '{ user(id: "u2") { id personal { name } professional { title } orders { nodes { id items { productId available } } } } }' },
  { query: '{ user(id: "u3") { id orders(first: 2) { nodes { id } pageInfo { hasNextPage } } } }' },
  { query: '{ users(ids: ["u1", "u2", "nobody", "u3"]) { id professional { company } } }' },
  // Failed items among items answered later (one batch): graphql-jit put their nulls at the end of the list.
  { query: '{ users(ids: ["", "", "", "o2", "p3", "o2"]) { id } }' },
  { query: '{ user(id: "u1") { orders(first: 0) { nodes { id } } } }' },
  { query: '{ users(ids: [' + Array.from({ length: 101 }, (_, i) => `"u${i}"`).join(',') + ']) { id } }' },
  { query: 'query ($id: ID!) { user(id: $id) { id } }', variables: {} },
  { query: 'query ($id: ID! = "u2") { user(id: $id) { id personal { name } } }', variables: {} },
  { query: 'query ($id: ID = "u2") { user(id: $id) { id } }', variables: { id: null } },
  { query: 'query One { user(id: "u1") { id } } query Two { user(id: "u2") { id } }', variables: {} },
  { query: '{ order(id: "o1") { id items { productId available } user { personal { name } } } }' },
  { query: '{ a: user(id: "u1") { id } b: user(id: "\\ud800") { id } c: user(id: "nobody") { id } }' },
  { query: '{ user(id: "u1") { ... on User { id } ...F } } fragment F on User { personal { email } }' },
  { query: '{ user(id: "u1") { id @skip(if: true) personal @include(if: false) { name } __typename } }' },
  // Variables inside a custom scalar's literal (_Any): graphql-jit parsed it without them.
  {
    query: 'query ($id: String) { _entities(representations: [{__typename: "User", id: $id}]) { ... on User { id } } }',
    variables: { id: 'u4' },
  },
  {
    query: 'query ($t: String!, $r: _Any!) { _entities(representations: [{__typename: $t, id: "u1"}, $r]) { ... on User { id } } }',
    variables: { t: 'User', r: { __typename: 'User', id: 'u2' } },
  },
];
