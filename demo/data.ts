/**
 * The demo services' data: deterministic (a seeded generator), so that the same ids show
 * the same people on every machine, in GraphiQL, the tests and the benchmark.
 */
import { seededRandom } from './seeded-random.js';

export interface DemoUser {
  id: string;
  name: string;
  email: string;
  birthDate: string | null;
  avatarUrl: string | null;
  city: string | null;
}

export interface DemoProfile {
  userId: string;
  company: string;
  title: string;
  skills: string[];
  yearsOfExperience: number;
}

export interface DemoOrderItem {
  productId: string;
  quantity: number;
  unitPriceCents: number;
}

export interface DemoOrder {
  id: string;
  userId: string;
  status: 'PLACED' | 'CANCELLED';
  items: DemoOrderItem[];
  totalCents: number;
  currency: 'EUR';
  createdAt: string;
}

export interface DemoProduct {
  id: string;
  priceCents: number;
}

export interface DemoData {
  users: Map<string, DemoUser>;
  profiles: Map<string, DemoProfile>;
  /** Every order by id. */
  orders: Map<string, DemoOrder>;
  /** Each user's order ids, newest first. */
  ordersByUser: Map<string, string[]>;
  products: Map<string, DemoProduct>;
  /** Units in stock by product id. */
  stock: Map<string, number>;
}

export const DEMO_USER_COUNT = 1200;
export const DEMO_PRODUCT_COUNT = 60;
/** Users without a professional profile: every fifth (u5, u10, ...). */
export const hasProfile = (index: number): boolean => index % 5 !== 0;
/** Products out of stock, so that a demo order can fail on stock. */
export const OUT_OF_STOCK_PRODUCTS = ['p7', 'p42'];
/** Users whose professional profile always answers 503: a partial result to look at in GraphiQL. */
export const FAULTY_PROFILE_USERS = ['u13'];

const FIRST = [
  'Ada',
  'Alan',
  'Grace',
  'Linus',
  'Margaret',
  'Ken',
  'Barbara',
  'Dennis',
  'Frances',
  'Edsger',
  'Radia',
  'Tim',
  'Hedy',
  'John',
  'Katherine',
  'Niklaus',
];
const LAST = [
  'Lovelace',
  'Turing',
  'Hopper',
  'Torvalds',
  'Hamilton',
  'Thompson',
  'Liskov',
  'Ritchie',
  'Allen',
  'Dijkstra',
  'Perlman',
  'Berners-Lee',
  'Lamarr',
  'Backus',
  'Johnson',
  'Wirth',
];
const CITIES = ['Berlin', 'Lisbon', 'Paris', 'Madrid', 'Vienna', 'Warsaw', 'Oslo', 'Dublin', 'Prague', 'Rome'];
const COMPANIES = ['Initech', 'Globex', 'Umbrella', 'Hooli', 'Stark Industries', 'Wayne Enterprises', 'Acme'];
const TITLES = ['Software Engineer', 'Staff Engineer', 'Product Manager', 'Designer', 'Data Scientist', 'SRE', 'Engineering Manager'];
const SKILLS = ['TypeScript', 'GraphQL', 'Go', 'Rust', 'SQL', 'Kubernetes', 'React', 'Python', 'Figma', 'Statistics'];

export function createDemoData(seed = 42): DemoData {
  const random = seededRandom(seed);
  const int = (min: number, max: number): number => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(list: readonly T[]): T => list[int(0, list.length - 1)]!;

  const products = new Map<string, DemoProduct>();
  const stock = new Map<string, number>();
  for (let p = 1; p <= DEMO_PRODUCT_COUNT; p++) {
    const id = `p${p}`;
    products.set(id, { id, priceCents: int(199, 19_999) });
    stock.set(id, OUT_OF_STOCK_PRODUCTS.includes(id) ? 0 : int(1, 500));
  }

  const users = new Map<string, DemoUser>();
  const profiles = new Map<string, DemoProfile>();
  const orders = new Map<string, DemoOrder>();
  const ordersByUser = new Map<string, string[]>();
  let orderCount = 0;
  const start = Date.UTC(2025, 0, 1);

  for (let i = 1; i <= DEMO_USER_COUNT; i++) {
    const id = `u${i}`;
    const first = pick(FIRST);
    const last = pick(LAST);
    users.set(id, {
      id,
      name: `${first} ${last}`,
      email: `${first}.${last}.${i}@example.com`.toLowerCase(),
      birthDate: random() < 0.85 ? `${int(1950, 2004)}-${pad(int(1, 12))}-${pad(int(1, 28))}` : null,
      avatarUrl: random() < 0.7 ? `https://avatars.example.com/${id}.png` : null,
      city: random() < 0.9 ? pick(CITIES) : null,
    });
    if (hasProfile(i)) {
      const skills = new Set<string>();
      for (let s = int(1, 4); s > 0; s--) skills.add(pick(SKILLS));
      profiles.set(id, { userId: id, company: pick(COMPANIES), title: pick(TITLES), skills: [...skills], yearsOfExperience: int(0, 35) });
    }

    // u1 has enough orders to page through.
    const count = i === 1 ? 12 : int(0, 5);
    const mine: DemoOrder[] = [];
    for (let n = 0; n < count; n++) {
      const picked = new Set<string>();
      for (let k = int(1, 4); k > 0; k--) picked.add(`p${int(1, DEMO_PRODUCT_COUNT)}`);
      const items = [...picked].map((productId) => ({
        productId,
        quantity: int(1, 3),
        unitPriceCents: products.get(productId)!.priceCents,
      }));
      const order: DemoOrder = {
        id: `o${++orderCount}`,
        userId: id,
        status: random() < 0.1 ? 'CANCELLED' : 'PLACED',
        items,
        totalCents: items.reduce((sum, item) => sum + item.quantity * item.unitPriceCents, 0),
        currency: 'EUR',
        createdAt: new Date(start + int(0, 600) * 86_400_000 + int(0, 86_399) * 1000).toISOString(),
      };
      orders.set(order.id, order);
      mine.push(order);
    }
    mine.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    ordersByUser.set(
      id,
      mine.map((o) => o.id),
    );
  }

  return { users, profiles, orders, ordersByUser, products, stock };
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
