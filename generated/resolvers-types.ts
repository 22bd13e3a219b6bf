import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { UserRef, PersonalUser } from '../datasources/personal-datasource.js';
import type { Profile } from '../datasources/professional-datasource.js';
import type { OrderRecord, OrderItemRecord } from '../datasources/orders-datasource.js';
import type { GraphContext } from '../server/context.js';
export type Maybe<T> = T | null | Promise<T | null>;
export type InputMaybe<T> = T | null;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A selection of fields, as `@key` takes it: `"id"`. */
  FieldSet: { input: string; output: string; }
  /** An element of `@link(import:)`. */
  link__Import: { input: string; output: string; }
};

/** Where the confirmation email stands. */
export type EmailStatus =
  /** The email service could not take it at once: it is in a durable queue and will be sent once. */
  | 'QUEUED'
  /** Accepted by the email service while the order was placed. */
  | 'SENT';

export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Places an order for a user: creates the order and reserves its stock at the same time,
   * undoes either one if the other fails, and sends the confirmation email now or, if the
   * email service is down, later from a durable queue (exactly once).
   *
   * Safe to repeat: the same `idempotencyKey` with the same input answers with the first
   * outcome and does nothing again (also when both requests arrive at once); the same key
   * with other input is a `userErrors` entry `IDEMPOTENCY_KEY_REUSED`. Keys are kept for
   * `IDEMPOTENCY_TTL_MS` (24 h by default). A key whose first attempt failed for an upstream
   * outage answers with that failure again: use a new key to try again.
   *
   * Costs 10 (writes to three services) beside the mutation's own 10, 1 for its input and 1 a line, plus what it selects.
   */
  placeOrder: PlaceOrderPayload;
};


export type MutationPlaceOrderArgs = {
  input: PlaceOrderInput;
};

/** An order held by the orders service; an entity of the supergraph, referenced by its `id`. */
export type Order = {
  __typename?: 'Order';
  /** When the order was placed, ISO-8601. */
  createdAt: Scalars['String']['output'];
  /** ISO-4217 currency code of the prices. */
  currency: Scalars['String']['output'];
  /** The order's id. */
  id: Scalars['ID']['output'];
  /** What was ordered. */
  items: Array<OrderItem>;
  /** Whether the order stands or was cancelled. */
  status: OrderStatus;
  /** Total price in cents of `currency`. */
  totalCents: Scalars['Int']['output'];
  /** The user who placed the order; `null` when the personal service does not know them. Costs 5 (a read of the personal service), plus what it selects. */
  user?: Maybe<User>;
};

/** A page of orders. */
export type OrderConnection = {
  __typename?: 'OrderConnection';
  /** The orders on this page, newest first (their number is counted by the `first` that asked for them). */
  nodes: Array<Order>;
  /** Where this page ends and whether another follows. */
  pageInfo: PageInfo;
};

/** One line of an order. */
export type OrderItem = {
  __typename?: 'OrderItem';
  /** Units in stock right now, from the inventory service; `null` when unknown or when inventory fails. Costs 5 (a read of the inventory service, batched across lines). */
  available?: Maybe<Scalars['Int']['output']>;
  /** The product ordered, as an entity for the subgraph that owns products (this graph knows its `id` only). */
  product: Product;
  /** The product ordered. */
  productId: Scalars['ID']['output'];
  /** How many units were ordered. */
  quantity: Scalars['Int']['output'];
  /** Price of one unit in cents, when the order was placed. */
  unitPriceCents: Scalars['Int']['output'];
};

/** One line of an order to place. */
export type OrderItemInput = {
  /** The product to order. */
  productId: Scalars['ID']['input'];
  /** How many units, at least 1. */
  quantity: Scalars['Int']['input'];
};

/** Where an order stands. */
export type OrderStatus =
  /** Cancelled after it was placed. */
  | 'CANCELLED'
  /** Placed and not cancelled. */
  | 'PLACED';

/** Cursor pagination state of a connection. */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** Pass as `after` to fetch the next page; `null` when there is none. */
  endCursor?: Maybe<Scalars['String']['output']>;
  /** Whether another page follows this one. */
  hasNextPage: Scalars['Boolean']['output'];
};

/** Personal details held by the personal service. */
export type PersonalInfo = {
  __typename?: 'PersonalInfo';
  /** URL of the user's avatar image, when there is one. */
  avatarUrl?: Maybe<Scalars['String']['output']>;
  /** Date of birth as `YYYY-MM-DD`, when known. */
  birthDate?: Maybe<Scalars['String']['output']>;
  /** City of residence, when known. */
  city?: Maybe<Scalars['String']['output']>;
  /**
   * E-mail address. Only the user and admins see it: `null` with `FORBIDDEN` for anyone else
   * (nullable for that reason alone: whoever may see it always gets a value).
   */
  email?: Maybe<Scalars['String']['output']>;
  /** Full name. */
  name: Scalars['String']['output'];
};

/** An order to place. */
export type PlaceOrderInput = {
  /** Chosen by the client, unique per order it means to place (e.g. a UUID); 1 to 200 characters. */
  idempotencyKey: Scalars['String']['input'];
  /** What to order: at least one line, each product at most once. */
  items: Array<OrderItemInput>;
  /** The user the order is for. */
  userId: Scalars['ID']['input'];
};

/** The outcome of `placeOrder`. */
export type PlaceOrderPayload = {
  __typename?: 'PlaceOrderPayload';
  /** Whether the confirmation email went out at once or is queued; `null` when no order was placed. */
  confirmationEmail?: Maybe<EmailStatus>;
  /** The order placed; `null` when it was not placed (see `userErrors`). */
  order?: Maybe<Order>;
  /** Why the order was not placed, when the reason is the request's (empty when it was placed). */
  userErrors: Array<UserError>;
};

/**
 * A product: owned by another subgraph (catalogue, prices), referenced here by `id` only. This graph
 * resolves no product by key (`resolvable: false`); the stock it knows stays on `OrderItem.available`,
 * read with the order it belongs to.
 */
export type Product = {
  __typename?: 'Product';
  /** The product's id, as inventory and the catalogue know it. */
  id: Scalars['ID']['output'];
};

/** A user's professional profile, held by the professional service. */
export type ProfessionalInfo = {
  __typename?: 'ProfessionalInfo';
  /** Current employer. */
  company: Scalars['String']['output'];
  /** Skills the user lists. */
  skills: Array<Scalars['String']['output']>;
  /** Current job title. */
  title: Scalars['String']['output'];
  /** Years of professional experience. */
  yearsOfExperience: Scalars['Int']['output'];
};

export type Query = {
  __typename?: 'Query';
  /**
   * The signed-in user: the user whose id is the token's `sub`. `null` with an
   * `UNAUTHENTICATED` error when authentication is off, since nobody is signed in then.
   * Costs 5 (a read of the personal service), plus what it selects.
   */
  me?: Maybe<User>;
  /** One order by id. `null` (without an error) when the orders service does not know the id. Costs 5 (a read of the orders service), plus what it selects. */
  order?: Maybe<Order>;
  /**
   * One user by id. `null` (without an error) when the personal service does not know the id.
   * The user's other fields are fetched concurrently with the personal record.
   * Costs 5 (a read of the personal service), plus what it selects.
   */
  user?: Maybe<User>;
  /**
   * Several users at once, in the order of `ids`: `null` at the place of an unknown id.
   * At most 100 ids; duplicates are fetched once. Every nested field is batched across the list.
   * Costs 5 and what it selects, once per id (a router, which cannot count the ids, assumes 100).
   */
  users: Array<Maybe<User>>;
};


export type QueryOrderArgs = {
  id: Scalars['ID']['input'];
};


export type QueryUserArgs = {
  id: Scalars['ID']['input'];
};


export type QueryUsersArgs = {
  ids: Array<Scalars['ID']['input']>;
};

/**
 * A person known to the personal service, joined with what the other services know about them.
 * Each field other than `id` comes from its own service and is `null` with an error when that service fails.
 * An entity of the supergraph: other subgraphs extend it by its `id`.
 */
export type User = {
  __typename?: 'User';
  /** The user's opaque id, as the personal service knows it. */
  id: Scalars['ID']['output'];
  /**
   * The user's orders, newest first, from the orders service.
   * `first` is between 1 and 100; `after` is the `endCursor` of the previous page.
   * `null` with an error when the orders service fails, and (nullable for this reason of its own)
   * with `FORBIDDEN` when they are not the caller's to see.
   * Costs 5 (a read of the orders service), plus `first` times what each order selects.
   */
  orders?: Maybe<OrderConnection>;
  /** Personal details, from the personal service: `null` only when that service failed (with an error). */
  personal?: Maybe<PersonalInfo>;
  /**
   * Professional profile, from the professional service.
   * `null` without an error when the user has no profile; `null` with an error when the service fails.
   * Costs 5 (a read of the professional service), plus what it selects.
   */
  professional?: Maybe<ProfessionalInfo>;
};


/**
 * A person known to the personal service, joined with what the other services know about them.
 * Each field other than `id` comes from its own service and is `null` with an error when that service fails.
 * An entity of the supergraph: other subgraphs extend it by its `id`.
 */
export type UserOrdersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

/** A business reason a mutation did not do what was asked. */
export type UserError = {
  __typename?: 'UserError';
  /** What went wrong, for code to match on. */
  code: UserErrorCode;
  /** Path of the input field at fault, e.g. `["input", "items", "0", "productId"]`. */
  field?: Maybe<Array<Scalars['String']['output']>>;
  /** What happened, for people. */
  message: Scalars['String']['output'];
};

/** Why `placeOrder` did not place an order: an outcome of the request's own, not a failure; match on it exhaustively. */
export type UserErrorCode =
  /** The same `idempotencyKey` came earlier with other input: nothing was placed again. */
  | 'IDEMPOTENCY_KEY_REUSED'
  /** The orders service refused the order as invalid (`field` names what, when it said). */
  | 'INVALID_ORDER'
  /** A product has fewer units in stock than ordered (`field` names the line). */
  | 'OUT_OF_STOCK'
  /** The personal service does not know the user. */
  | 'UNKNOWN_USER';

/** What a `@link`ed specification is for. */
export type Link__Purpose =
  /** It changes how the schema executes. */
  | 'EXECUTION'
  /** It adds metadata only. */
  | 'SECURITY';



export type ResolverTypeWrapper<T> = Promise<T> | T;

export type ReferenceResolver<TResult, TReference, TContext> = (
      reference: TReference,
      context: TContext,
      info: GraphQLResolveInfo
    ) => Promise<TResult> | TResult;

      type ScalarCheck<T, S> = S extends true ? T : NullableCheck<T, S>;
      type NullableCheck<T, S> = Maybe<T> extends T ? Maybe<ListCheck<NonNullable<T>, S>> : ListCheck<T, S>;
      type ListCheck<T, S> = T extends (infer U)[] ? NullableCheck<U, S>[] : GraphQLRecursivePick<T, S>;
      export type GraphQLRecursivePick<T, S> = { [K in keyof T & keyof S]: ScalarCheck<T[K], S[K]> };
    

export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

/** Mapping of federation types */
export type FederationTypes = {
  Order: Order;
  User: User;
};

/** Mapping of federation reference types */
export type FederationReferenceTypes = {
  Order:
    ( { __typename: 'Order' }
    & GraphQLRecursivePick<FederationTypes['Order'], {"id":true}> );
  User:
    ( { __typename: 'User' }
    & GraphQLRecursivePick<FederationTypes['User'], {"id":true}> );
};



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  EmailStatus: EmailStatus;
  FieldSet: ResolverTypeWrapper<Scalars['FieldSet']['output']>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Order: ResolverTypeWrapper<OrderRecord>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  OrderConnection: ResolverTypeWrapper<Omit<OrderConnection, 'nodes'> & { nodes: Array<ResolversTypes['Order']> }>;
  OrderItem: ResolverTypeWrapper<OrderItemRecord>;
  OrderItemInput: OrderItemInput;
  OrderStatus: OrderStatus;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  PersonalInfo: ResolverTypeWrapper<PersonalUser>;
  PlaceOrderInput: PlaceOrderInput;
  PlaceOrderPayload: ResolverTypeWrapper<Omit<PlaceOrderPayload, 'order'> & { order?: Maybe<ResolversTypes['Order']> }>;
  Product: ResolverTypeWrapper<Product>;
  ProfessionalInfo: ResolverTypeWrapper<Profile>;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  User: ResolverTypeWrapper<UserRef>;
  UserError: ResolverTypeWrapper<UserError>;
  UserErrorCode: UserErrorCode;
  link__Import: ResolverTypeWrapper<Scalars['link__Import']['output']>;
  link__Purpose: Link__Purpose;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  FieldSet: Scalars['FieldSet']['output'];
  Mutation: Record<PropertyKey, never>;
  Order: OrderRecord;
  ID: Scalars['ID']['output'];
  OrderConnection: Omit<OrderConnection, 'nodes'> & { nodes: Array<ResolversParentTypes['Order']> };
  OrderItem: OrderItemRecord;
  OrderItemInput: OrderItemInput;
  PageInfo: PageInfo;
  PersonalInfo: PersonalUser;
  PlaceOrderInput: PlaceOrderInput;
  PlaceOrderPayload: Omit<PlaceOrderPayload, 'order'> & { order?: Maybe<ResolversParentTypes['Order']> };
  Product: Product;
  ProfessionalInfo: Profile;
  Query: Record<PropertyKey, never>;
  User: UserRef;
  UserError: UserError;
  link__Import: Scalars['link__Import']['output'];
  Int: Scalars['Int']['output'];
  Boolean: Scalars['Boolean']['output'];
  String: Scalars['String']['output'];
};

export type CostDirectiveArgs = {
  weight: Scalars['Int']['input'];
};

export type CostDirectiveResolver<Result, Parent, ContextType = GraphContext, Args = CostDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type Experimental_DisableErrorPropagationDirectiveArgs = { };

export type Experimental_DisableErrorPropagationDirectiveResolver<Result, Parent, ContextType = GraphContext, Args = Experimental_DisableErrorPropagationDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type LinkDirectiveArgs = {
  as?: Maybe<Scalars['String']['input']>;
  for?: Maybe<Link__Purpose>;
  import?: Maybe<Array<Maybe<Scalars['link__Import']['input']>>>;
  url: Scalars['String']['input'];
};

export type LinkDirectiveResolver<Result, Parent, ContextType = GraphContext, Args = LinkDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type ListSizeDirectiveArgs = {
  assumedSize?: Maybe<Scalars['Int']['input']>;
  requireOneSlicingArgument?: Maybe<Scalars['Boolean']['input']>;
  sizedFields?: Maybe<Array<Scalars['String']['input']>>;
  slicingArguments?: Maybe<Array<Scalars['String']['input']>>;
};

export type ListSizeDirectiveResolver<Result, Parent, ContextType = GraphContext, Args = ListSizeDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export type OwnerOnlyDirectiveArgs = {
  owner: Scalars['String']['input'];
};

export type OwnerOnlyDirectiveResolver<Result, Parent, ContextType = GraphContext, Args = OwnerOnlyDirectiveArgs> = DirectiveResolverFn<Result, Parent, ContextType, Args>;

export interface FieldSetScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['FieldSet'], any> {
  name: 'FieldSet';
}

export type MutationResolvers<ContextType = GraphContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  placeOrder?: Resolver<ResolversTypes['PlaceOrderPayload'], ParentType, ContextType, RequireFields<MutationPlaceOrderArgs, 'input'>>;
};

export type OrderResolvers<ContextType = GraphContext, ParentType extends ResolversParentTypes['Order'] = ResolversParentTypes['Order'], FederationReferenceType extends FederationReferenceTypes['Order'] = FederationReferenceTypes['Order']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Order']> | FederationReferenceType, FederationReferenceType, ContextType>;
  createdAt?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  currency?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  items?: Resolver<Array<ResolversTypes['OrderItem']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['OrderStatus'], ParentType, ContextType>;
  totalCents?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  user?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
};

export type OrderConnectionResolvers<ContextType = GraphContext, ParentType extends ResolversParentTypes['OrderConnection'] = ResolversParentTypes['OrderConnection']> = {
  nodes?: Resolver<Array<ResolversTypes['Order']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
};

export type OrderItemResolvers<ContextType = GraphContext, ParentType extends ResolversParentTypes['OrderItem'] = ResolversParentTypes['OrderItem']> = {
  available?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  product?: Resolver<ResolversTypes['Product'], ParentType, ContextType>;
  productId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  quantity?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  unitPriceCents?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type PageInfoResolvers<ContextType = GraphContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
};

export type PersonalInfoResolvers<ContextType = GraphContext, ParentType extends ResolversParentTypes['PersonalInfo'] = ResolversParentTypes['PersonalInfo']> = {
  avatarUrl?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  birthDate?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  city?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  email?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type PlaceOrderPayloadResolvers<ContextType = GraphContext, ParentType extends ResolversParentTypes['PlaceOrderPayload'] = ResolversParentTypes['PlaceOrderPayload']> = {
  confirmationEmail?: Resolver<Maybe<ResolversTypes['EmailStatus']>, ParentType, ContextType>;
  order?: Resolver<Maybe<ResolversTypes['Order']>, ParentType, ContextType>;
  userErrors?: Resolver<Array<ResolversTypes['UserError']>, ParentType, ContextType>;
};

export type ProductResolvers<ContextType = GraphContext, ParentType extends ResolversParentTypes['Product'] = ResolversParentTypes['Product']> = {
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
};

export type ProfessionalInfoResolvers<ContextType = GraphContext, ParentType extends ResolversParentTypes['ProfessionalInfo'] = ResolversParentTypes['ProfessionalInfo']> = {
  company?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  skills?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  title?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  yearsOfExperience?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type QueryResolvers<ContextType = GraphContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  me?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType>;
  order?: Resolver<Maybe<ResolversTypes['Order']>, ParentType, ContextType, RequireFields<QueryOrderArgs, 'id'>>;
  user?: Resolver<Maybe<ResolversTypes['User']>, ParentType, ContextType, RequireFields<QueryUserArgs, 'id'>>;
  users?: Resolver<Array<Maybe<ResolversTypes['User']>>, ParentType, ContextType, RequireFields<QueryUsersArgs, 'ids'>>;
};

export type UserResolvers<ContextType = GraphContext, ParentType extends ResolversParentTypes['User'] = ResolversParentTypes['User'], FederationReferenceType extends FederationReferenceTypes['User'] = FederationReferenceTypes['User']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['User']> | FederationReferenceType, FederationReferenceType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  orders?: Resolver<Maybe<ResolversTypes['OrderConnection']>, ParentType, ContextType, RequireFields<UserOrdersArgs, 'first'>>;
  personal?: Resolver<ResolversTypes['PersonalInfo'], ParentType, ContextType>;
  professional?: Resolver<Maybe<ResolversTypes['ProfessionalInfo']>, ParentType, ContextType>;
};

export type UserErrorResolvers<ContextType = GraphContext, ParentType extends ResolversParentTypes['UserError'] = ResolversParentTypes['UserError']> = {
  code?: Resolver<ResolversTypes['UserErrorCode'], ParentType, ContextType>;
  field?: Resolver<Maybe<Array<ResolversTypes['String']>>, ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export interface Link__ImportScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['link__Import'], any> {
  name: 'link__Import';
}

export type Resolvers<ContextType = GraphContext> = {
  FieldSet?: GraphQLScalarType;
  Mutation?: MutationResolvers<ContextType>;
  Order?: OrderResolvers<ContextType>;
  OrderConnection?: OrderConnectionResolvers<ContextType>;
  OrderItem?: OrderItemResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  PersonalInfo?: PersonalInfoResolvers<ContextType>;
  PlaceOrderPayload?: PlaceOrderPayloadResolvers<ContextType>;
  Product?: ProductResolvers<ContextType>;
  ProfessionalInfo?: ProfessionalInfoResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  User?: UserResolvers<ContextType>;
  UserError?: UserErrorResolvers<ContextType>;
  link__Import?: GraphQLScalarType;
};

export type DirectiveResolvers<ContextType = GraphContext> = {
  cost?: CostDirectiveResolver<any, any, ContextType>;
  experimental_disableErrorPropagation?: Experimental_DisableErrorPropagationDirectiveResolver<any, any, ContextType>;
  link?: LinkDirectiveResolver<any, any, ContextType>;
  listSize?: ListSizeDirectiveResolver<any, any, ContextType>;
  ownerOnly?: OwnerOnlyDirectiveResolver<any, any, ContextType>;
};
