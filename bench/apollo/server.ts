/**
 * The reference a team would pick instead: the graph's read schema served by Apollo Server 5
 * with @apollo/datasource-rest, written the way Apollo's documentation shows it (a
 * RESTDataSource per service and per request, created in the context; DataLoader for the
 * batch endpoints, as the data sources guide shows; `startStandaloneServer`). It is what the
 * benchmark compares the graph with, against the same demo services. Not part of the product.
 *
 * Run from the project root after `npm install --prefix bench/apollo`:
 *   PORT=4100 PERSONAL_API_URL=… PROFESSIONAL_API_URL=… ORDERS_API_URL=… INVENTORY_API_URL=… node --import tsx bench/apollo/server.ts
 */
import { readFileSync, readdirSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { RESTDataSource } from '@apollo/datasource-rest';
import DataLoader from 'dataloader';

interface User {
  id: string;
  name: string;
  email: string;
  birthDate: string | null;
  avatarUrl: string | null;
  city: string | null;
}
interface Profile {
  userId: string;
  company: string;
  title: string;
  skills: string[];
  yearsOfExperience: number;
}
interface Order {
  id: string;
  userId: string;
  status: string;
  items: { productId: string; quantity: number; unitPriceCents: number }[];
  totalCents: number;
  currency: string;
  createdAt: string;
}

/** A 404 is "not found" (null), as the contract says; anything else stays an error. */
async function orNull<T>(request: Promise<T>): Promise<T | null> {
  try {
    return await request;
  } catch (error) {
    if ((error as { extensions?: { response?: { status?: number } } }).extensions?.response?.status === 404) return null;
    throw error;
  }
}

class PersonalAPI extends RESTDataSource {
  override baseURL = `${process.env.PERSONAL_API_URL}/`;

  private usersLoader = new DataLoader(async (ids: readonly string[]) => {
    const { users } = await this.get<{ users: User[] }>('users', { params: { ids: ids.join(',') } });
    return ids.map((id) => users.find((user) => user.id === id) ?? null);
  });

  getUser(id: string): Promise<User | null> {
    return this.usersLoader.load(id);
  }
}

class ProfessionalAPI extends RESTDataSource {
  override baseURL = `${process.env.PROFESSIONAL_API_URL}/`;

  getProfile(userId: string): Promise<Profile | null> {
    return orNull(this.get<Profile>(`profiles/${encodeURIComponent(userId)}`));
  }
}

class OrdersAPI extends RESTDataSource {
  override baseURL = `${process.env.ORDERS_API_URL}/`;

  getOrder(id: string): Promise<Order | null> {
    return orNull(this.get<Order>(`orders/${encodeURIComponent(id)}`));
  }

  getOrdersOfUser(userId: string, limit: number, cursor: string | null): Promise<{ orders: Order[]; nextCursor: string | null }> {
    const params: Record<string, string> = { limit: String(limit) };
    if (cursor !== null) params.cursor = cursor;
    return this.get(`users/${encodeURIComponent(userId)}/orders`, { params });
  }
}

class InventoryAPI extends RESTDataSource {
  override baseURL = `${process.env.INVENTORY_API_URL}/`;

  private stockLoader = new DataLoader(async (productIds: readonly string[]) => {
    const { stock } = await this.get<{ stock: { productId: string; available: number }[] }>('stock', {
      params: { productIds: productIds.join(',') },
    });
    return productIds.map((id) => stock.find((line) => line.productId === id)?.available ?? null);
  });

  getAvailable(productId: string): Promise<number | null> {
    return this.stockLoader.load(productId);
  }
}

interface ContextValue {
  dataSources: { personal: PersonalAPI; professional: ProfessionalAPI; orders: OrdersAPI; inventory: InventoryAPI };
}

const resolvers = {
  Query: {
    user: (_: unknown, { id }: { id: string }, { dataSources }: ContextValue) => dataSources.personal.getUser(id),
    users: (_: unknown, { ids }: { ids: string[] }, { dataSources }: ContextValue) => ids.map((id) => dataSources.personal.getUser(id)),
    order: (_: unknown, { id }: { id: string }, { dataSources }: ContextValue) => dataSources.orders.getOrder(id),
  },
  User: {
    personal: (user: User) => user,
    professional: (user: User, _: unknown, { dataSources }: ContextValue) => dataSources.professional.getProfile(user.id),
    orders: async (user: User, { first, after }: { first: number; after?: string | null }, { dataSources }: ContextValue) => {
      const page = await dataSources.orders.getOrdersOfUser(user.id, first, after ?? null);
      return { nodes: page.orders, pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: page.nextCursor } };
    },
  },
  Order: {
    user: (order: Order, _: unknown, { dataSources }: ContextValue) => dataSources.personal.getUser(order.userId),
  },
  OrderItem: {
    available: (item: { productId: string }, _: unknown, { dataSources }: ContextValue) =>
      dataSources.inventory.getAvailable(item.productId),
  },
};

// The graph's own SDL (its directives are only declared here, and the mutation is not served).
const schemaDir = new URL('../../schema/', import.meta.url);
const typeDefs = readdirSync(schemaDir)
  .filter((name) => name.endsWith('.graphql'))
  .map((name) => readFileSync(new URL(name, schemaDir), 'utf8'));

const server = new ApolloServer<ContextValue>({ typeDefs, resolvers });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(process.env.PORT ?? 4100), host: '127.0.0.1' },
  context: async () => {
    const { cache } = server;
    return {
      dataSources: {
        personal: new PersonalAPI({ cache }),
        professional: new ProfessionalAPI({ cache }),
        orders: new OrdersAPI({ cache }),
        inventory: new InventoryAPI({ cache }),
      },
    };
  },
});
process.stdout.write(`Apollo reference on ${url}\n`);
