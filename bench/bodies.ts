/**
 * The read scenarios' request bodies, with fresh random ids from the demo data each time:
 * shared by the benchmark (scenarios.ts) and the profiler (profile.ts).
 */
import { createDemoData, FAULTY_PROFILE_USERS } from '../demo/data.js';

const data = createDemoData();
const users = [...data.users.keys()].filter((id) => !FAULTY_PROFILE_USERS.includes(id));
const orders = [...data.orders.keys()];

export const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;

/** A random user whose professional profile answers. */
export const randomUser = (): string => pick(users);

/** `n` distinct random users (every one with a professional profile that answers). */
export function distinctUsers(n: number): string[] {
  const chosen = new Set<string>();
  while (chosen.size < n) chosen.add(pick(users));
  return [...chosen];
}

export const readBodies = {
  S1: () =>
    JSON.stringify({
      query:
        'query S1($id: ID!) { user(id: $id) { id personal { name email city } professional { company title } ' +
        'orders(first: 5) { nodes { id totalCents } } } }',
      variables: { id: pick(users) },
    }),
  S2: () =>
    JSON.stringify({
      query: 'query S2($ids: [ID!]!) { users(ids: $ids) { id personal { name city } professional { title } } }',
      variables: { ids: distinctUsers(50) },
    }),
  S3: () =>
    JSON.stringify({
      query: 'query S3($id: ID!) { order(id: $id) { id items { productId available } user { personal { name } } } }',
      variables: { id: pick(orders) },
    }),
} as const;
