/**
 * The benchmark's scenarios: each operation, its request body with fresh random ids, and its
 * floor (the same upstream calls made directly, as concurrently as the contract allows).
 */
import { createDemoData, FAULTY_PROFILE_USERS, OUT_OF_STOCK_PRODUCTS } from '../demo/data.js';
import { distinctUsers, pick, readBodies } from './bodies.js';

const data = createDemoData();
const users = [...data.users.keys()].filter((id) => !FAULTY_PROFILE_USERS.includes(id));
const orders = [...data.orders.keys()];
const products = [...data.products.keys()].filter((id) => !OUT_OF_STOCK_PRODUCTS.includes(id));
let sequence = 0;

export interface Scenario {
  readonly name: string;
  readonly what: string;
  /** A request body with fresh random ids. */
  readonly body: () => string;
  /** The same upstream calls made directly, as concurrently as the contract allows. */
  readonly floor: () => Promise<unknown>;
  /** The fewest upstream calls the contract allows for one operation. */
  readonly minCalls: number;
  readonly readsOnly: boolean;
  /** Arrival rate of the fixed-rate run, and clients of the closed loop. */
  readonly rate: number;
  readonly connections: number;
}

/** Calls an upstream directly (the floor): `origin` of `api(service)`, a JSON answer. */
type Call = (origin: string, path: string, method?: 'GET' | 'POST', body?: object) => Promise<unknown>;

export function scenarioList({
  api,
  call,
  rate,
  connections,
}: {
  api: (service: string) => string;
  call: Call;
  rate: number;
  connections: number;
}): Scenario[] {
  return [
    {
      name: 'S1',
      what: 'user(id) { personal professional orders(first: 5) }',
      body: readBodies.S1,
      floor: () => {
        const id = pick(users);
        return Promise.all([
          call(api('personal'), `/users/${id}`),
          call(api('professional'), `/profiles/${id}`),
          call(api('orders'), `/users/${id}/orders?limit=5`),
        ]);
      },
      minCalls: 3,
      readsOnly: true,
      rate,
      connections,
    },
    {
      name: 'S2',
      what: 'users(ids: 50 random ids) { personal professional }',
      body: readBodies.S2,
      floor: () => {
        const ids = distinctUsers(50);
        return Promise.all([
          call(api('personal'), `/users?ids=${ids.join(',')}`),
          ...ids.map((id) => call(api('professional'), `/profiles/${id}`)),
        ]);
      },
      minCalls: 51,
      readsOnly: true,
      // 51 upstream calls an operation: 20 a second is already 1,020 calls a second, about what
      // the demo services can answer on the core they share with the load generator.
      rate: 20,
      connections: 8,
    },
    {
      name: 'S3',
      what: 'order(id) { items { available } user { personal } }',
      body: readBodies.S3,
      floor: async () => {
        const order = data.orders.get(pick(orders))!;
        await call(api('orders'), `/orders/${order.id}`);
        return Promise.all([
          call(api('inventory'), `/stock?productIds=${order.items.map((item) => item.productId).join(',')}`),
          call(api('personal'), `/users?ids=${order.userId}`),
        ]);
      },
      minCalls: 3,
      readsOnly: true,
      rate,
      connections,
    },
    {
      name: 'S4',
      what: 'placeOrder (one unit of a product in stock)',
      body: () =>
        JSON.stringify({
          query:
            'mutation S4($input: PlaceOrderInput!) { placeOrder(input: $input) { order { id } confirmationEmail userErrors { code } } }',
          variables: {
            input: {
              userId: pick(users),
              items: [{ productId: pick(products), quantity: 1 }],
              idempotencyKey: `bench-${process.pid}-${++sequence}`,
            },
          },
        }),
      floor: async () => {
        const orderId = `floor-order-${++sequence}`;
        const userId = pick(users);
        const items = [{ productId: pick(products), quantity: 1 }];
        const [order, , user] = (await Promise.all([
          call(api('orders'), '/orders', 'POST', { orderId, userId, items }),
          call(api('inventory'), '/reservations', 'POST', { orderId, items }),
          call(api('personal'), `/users/${userId}`),
        ])) as [{ totalCents: number }, unknown, { email: string }];
        return call(api('notifications'), '/emails', 'POST', {
          to: user.email,
          template: 'order_confirmation',
          data: { orderId, totalCents: order.totalCents },
        });
      },
      minCalls: 4,
      readsOnly: false,
      rate,
      connections,
    },
  ];
}
