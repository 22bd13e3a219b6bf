import type { Resolvers } from '../generated/resolvers-types.js';
import { Query } from './Query.js';
import { User } from './User.js';
import { Order } from './Order.js';
import { OrderItem } from './OrderItem.js';
import { Mutation } from './Mutation.js';

export const resolvers: Resolvers = { Query, Mutation, User, Order, OrderItem };
