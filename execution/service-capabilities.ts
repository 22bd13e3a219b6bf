/**
 * Service capabilities (graphql-spec PR #1208): what the service supports beyond its schema,
 * read through the `__service` meta-field, as a client reads `__schema`:
 *
 *   { __service { capabilities { identifier value } } }
 *
 * graphql-js 16 knows no `__service`, so an operation that asks only for it (and `__typename`)
 * is validated and run against a small schema of its own; asked beside other fields, it is the
 * usual validation error. A client that never asks sees nothing new.
 */
import {
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  Kind,
  OperationTypeNode,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ValidationRule,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface ServiceCapability {
  /** A qualified name, e.g. `graphql.onError`. */
  readonly identifier: string;
  readonly value?: string;
  readonly description: string;
}

const SERVICE_FIELD = '__service';

export function useServiceCapabilities(capabilities: readonly ServiceCapability[]): Plugin {
  const schema = capabilitySchema(capabilities);
  return {
    onValidate({ params, setValidationFn }) {
      // envelop types these as `any`: they are graphql-js's.
      if (!asksOnlyForService(params.documentAST as DocumentNode)) return;
      setValidationFn((_: GraphQLSchema, document: DocumentNode, rules?: readonly ValidationRule[]) => validate(schema, document, rules));
    },
    onExecute({ args, executeFn, setExecuteFn }) {
      if (!asksOnlyForService((args as ExecutionArgs).document)) return;
      const execute = executeFn as (args: ExecutionArgs) => unknown;
      setExecuteFn((service: ExecutionArgs) => execute({ ...service, schema }));
    },
  };
}

/** Whether every operation of the document asks for `__service` and nothing else but `__typename`. */
function asksOnlyForService(document: DocumentNode): boolean {
  let asks = false;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) return false;
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    if (definition.operation !== OperationTypeNode.QUERY) return false;
    for (const selection of definition.selectionSet.selections) {
      if (selection.kind !== Kind.FIELD) return false;
      if (selection.name.value === SERVICE_FIELD) asks = true;
      else if (selection.name.value !== '__typename') return false;
    }
  }
  return asks;
}

/**
 * `type Query { __service: __Service! }`, with the types the proposal names: reserved names,
 * which graphql-js accepts only from a schema it is told is valid.
 */
function capabilitySchema(capabilities: readonly ServiceCapability[]): GraphQLSchema {
  const capability = new GraphQLObjectType({
    name: '__Capability',
    description: 'A capability of the service beyond its schema.',
    fields: {
      identifier: { type: new GraphQLNonNull(GraphQLString), description: "The capability's qualified name, e.g. `graphql.onError`." },
      value: { type: GraphQLString, description: 'Its value, for a capability that has one.' },
      description: { type: GraphQLString },
    },
  });
  const service = new GraphQLObjectType({
    name: '__Service',
    description: 'The GraphQL service: what it supports beyond its schema.',
    fields: {
      capabilities: {
        type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(capability))),
        resolve: () => capabilities.map(({ identifier, value, description }) => ({ identifier, value: value ?? null, description })),
      },
    },
  });
  const query = new GraphQLObjectType({
    name: 'Query',
    fields: { [SERVICE_FIELD]: { type: new GraphQLNonNull(service), resolve: () => ({}) } },
  });
  return new GraphQLSchema({ query, assumeValid: true });
}
