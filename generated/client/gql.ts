/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query OrderDetails($id: ID! = \"o1\") {\n  order(id: $id) {\n    id\n    status\n    totalCents\n    currency\n    createdAt\n    items {\n      productId\n      quantity\n      unitPriceCents\n      available\n    }\n    user {\n      id\n      personal {\n        name\n        email\n      }\n    }\n  }\n}": typeof types.OrderDetailsDocument,
    "query PartialResult($id: ID! = \"u13\") {\n  user(id: $id) {\n    id\n    personal {\n      name\n      email\n    }\n    professional {\n      company\n      title\n    }\n    orders(first: 2) {\n      nodes {\n        id\n        totalCents\n        items {\n          productId\n          available\n        }\n      }\n    }\n  }\n}": typeof types.PartialResultDocument,
    "mutation PlaceOrder($input: PlaceOrderInput! = {userId: \"u1\", items: [{productId: \"p1\", quantity: 1}], idempotencyKey: \"graphiql-example-1\"}) {\n  placeOrder(input: $input) {\n    order {\n      id\n      status\n      totalCents\n      currency\n      items {\n        productId\n        quantity\n        unitPriceCents\n      }\n    }\n    confirmationEmail\n    userErrors {\n      code\n      message\n      field\n    }\n  }\n}": typeof types.PlaceOrderDocument,
    "query ProfileDeferred($id: ID! = \"u1\") {\n  user(id: $id) {\n    id\n    personal {\n      name\n    }\n    ... @defer(label: \"more\") {\n      professional {\n        title\n      }\n      orders(first: 3) {\n        nodes {\n          id\n        }\n      }\n    }\n  }\n}": typeof types.ProfileDeferredDocument,
    "query Profile($id: ID! = \"u1\") {\n  user(id: $id) {\n    id\n    personal {\n      name\n      email\n      city\n      birthDate\n      avatarUrl\n    }\n    professional {\n      company\n      title\n      skills\n      yearsOfExperience\n    }\n    orders(first: 3) {\n      nodes {\n        id\n        status\n        totalCents\n        currency\n        createdAt\n        items {\n          productId\n          quantity\n          unitPriceCents\n          available\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}": typeof types.ProfileDocument,
    "query Team($ids: [ID!]! = [\"u1\", \"u2\", \"u3\", \"u4\", \"u5\", \"u999999\"]) {\n  users(ids: $ids) {\n    id\n    personal {\n      name\n      city\n    }\n    professional {\n      title\n      company\n    }\n  }\n}": typeof types.TeamDocument,
};
const documents: Documents = {
    "query OrderDetails($id: ID! = \"o1\") {\n  order(id: $id) {\n    id\n    status\n    totalCents\n    currency\n    createdAt\n    items {\n      productId\n      quantity\n      unitPriceCents\n      available\n    }\n    user {\n      id\n      personal {\n        name\n        email\n      }\n    }\n  }\n}": types.OrderDetailsDocument,
    "query PartialResult($id: ID! = \"u13\") {\n  user(id: $id) {\n    id\n    personal {\n      name\n      email\n    }\n    professional {\n      company\n      title\n    }\n    orders(first: 2) {\n      nodes {\n        id\n        totalCents\n        items {\n          productId\n          available\n        }\n      }\n    }\n  }\n}": types.PartialResultDocument,
    "mutation PlaceOrder($input: PlaceOrderInput! = {userId: \"u1\", items: [{productId: \"p1\", quantity: 1}], idempotencyKey: \"graphiql-example-1\"}) {\n  placeOrder(input: $input) {\n    order {\n      id\n      status\n      totalCents\n      currency\n      items {\n        productId\n        quantity\n        unitPriceCents\n      }\n    }\n    confirmationEmail\n    userErrors {\n      code\n      message\n      field\n    }\n  }\n}": types.PlaceOrderDocument,
    "query ProfileDeferred($id: ID! = \"u1\") {\n  user(id: $id) {\n    id\n    personal {\n      name\n    }\n    ... @defer(label: \"more\") {\n      professional {\n        title\n      }\n      orders(first: 3) {\n        nodes {\n          id\n        }\n      }\n    }\n  }\n}": types.ProfileDeferredDocument,
    "query Profile($id: ID! = \"u1\") {\n  user(id: $id) {\n    id\n    personal {\n      name\n      email\n      city\n      birthDate\n      avatarUrl\n    }\n    professional {\n      company\n      title\n      skills\n      yearsOfExperience\n    }\n    orders(first: 3) {\n      nodes {\n        id\n        status\n        totalCents\n        currency\n        createdAt\n        items {\n          productId\n          quantity\n          unitPriceCents\n          available\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}": types.ProfileDocument,
    "query Team($ids: [ID!]! = [\"u1\", \"u2\", \"u3\", \"u4\", \"u5\", \"u999999\"]) {\n  users(ids: $ids) {\n    id\n    personal {\n      name\n      city\n    }\n    professional {\n      title\n      company\n    }\n  }\n}": types.TeamDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query OrderDetails($id: ID! = \"o1\") {\n  order(id: $id) {\n    id\n    status\n    totalCents\n    currency\n    createdAt\n    items {\n      productId\n      quantity\n      unitPriceCents\n      available\n    }\n    user {\n      id\n      personal {\n        name\n        email\n      }\n    }\n  }\n}"): (typeof documents)["query OrderDetails($id: ID! = \"o1\") {\n  order(id: $id) {\n    id\n    status\n    totalCents\n    currency\n    createdAt\n    items {\n      productId\n      quantity\n      unitPriceCents\n      available\n    }\n    user {\n      id\n      personal {\n        name\n        email\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query PartialResult($id: ID! = \"u13\") {\n  user(id: $id) {\n    id\n    personal {\n      name\n      email\n    }\n    professional {\n      company\n      title\n    }\n    orders(first: 2) {\n      nodes {\n        id\n        totalCents\n        items {\n          productId\n          available\n        }\n      }\n    }\n  }\n}"): (typeof documents)["query PartialResult($id: ID! = \"u13\") {\n  user(id: $id) {\n    id\n    personal {\n      name\n      email\n    }\n    professional {\n      company\n      title\n    }\n    orders(first: 2) {\n      nodes {\n        id\n        totalCents\n        items {\n          productId\n          available\n        }\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation PlaceOrder($input: PlaceOrderInput! = {userId: \"u1\", items: [{productId: \"p1\", quantity: 1}], idempotencyKey: \"graphiql-example-1\"}) {\n  placeOrder(input: $input) {\n    order {\n      id\n      status\n      totalCents\n      currency\n      items {\n        productId\n        quantity\n        unitPriceCents\n      }\n    }\n    confirmationEmail\n    userErrors {\n      code\n      message\n      field\n    }\n  }\n}"): (typeof documents)["mutation PlaceOrder($input: PlaceOrderInput! = {userId: \"u1\", items: [{productId: \"p1\", quantity: 1}], idempotencyKey: \"graphiql-example-1\"}) {\n  placeOrder(input: $input) {\n    order {\n      id\n      status\n      totalCents\n      currency\n      items {\n        productId\n        quantity\n        unitPriceCents\n      }\n    }\n    confirmationEmail\n    userErrors {\n      code\n      message\n      field\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ProfileDeferred($id: ID! = \"u1\") {\n  user(id: $id) {\n    id\n    personal {\n      name\n    }\n    ... @defer(label: \"more\") {\n      professional {\n        title\n      }\n      orders(first: 3) {\n        nodes {\n          id\n        }\n      }\n    }\n  }\n}"): (typeof documents)["query ProfileDeferred($id: ID! = \"u1\") {\n  user(id: $id) {\n    id\n    personal {\n      name\n    }\n    ... @defer(label: \"more\") {\n      professional {\n        title\n      }\n      orders(first: 3) {\n        nodes {\n          id\n        }\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Profile($id: ID! = \"u1\") {\n  user(id: $id) {\n    id\n    personal {\n      name\n      email\n      city\n      birthDate\n      avatarUrl\n    }\n    professional {\n      company\n      title\n      skills\n      yearsOfExperience\n    }\n    orders(first: 3) {\n      nodes {\n        id\n        status\n        totalCents\n        currency\n        createdAt\n        items {\n          productId\n          quantity\n          unitPriceCents\n          available\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}"): (typeof documents)["query Profile($id: ID! = \"u1\") {\n  user(id: $id) {\n    id\n    personal {\n      name\n      email\n      city\n      birthDate\n      avatarUrl\n    }\n    professional {\n      company\n      title\n      skills\n      yearsOfExperience\n    }\n    orders(first: 3) {\n      nodes {\n        id\n        status\n        totalCents\n        currency\n        createdAt\n        items {\n          productId\n          quantity\n          unitPriceCents\n          available\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Team($ids: [ID!]! = [\"u1\", \"u2\", \"u3\", \"u4\", \"u5\", \"u999999\"]) {\n  users(ids: $ids) {\n    id\n    personal {\n      name\n      city\n    }\n    professional {\n      title\n      company\n    }\n  }\n}"): (typeof documents)["query Team($ids: [ID!]! = [\"u1\", \"u2\", \"u3\", \"u4\", \"u5\", \"u999999\"]) {\n  users(ids: $ids) {\n    id\n    personal {\n      name\n      city\n    }\n    professional {\n      title\n      company\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;