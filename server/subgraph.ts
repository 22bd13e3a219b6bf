/**
 * The schema as a subgraph of a federated supergraph (Apollo Federation v2, @apollo/subgraph):
 * the SDL of `schema/` with `_service { sdl }` and `_entities(representations:)` added, the
 * entities (`User`, `Order`) resolved by their `__resolveReference`. The same schema serves the
 * graph's own endpoint; `npm run subgraph` prints the SDL a router composes.
 */
import { buildSubgraphSchema, printSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import { defaultFieldResolver, parse, type ConstDirectiveNode, type GraphQLSchema, type ObjectTypeDefinitionNode } from 'graphql';
import { badUserInput } from '../errors/graph-errors.js';
import { MAX_BATCH_SIZE } from '../datasources/http-datasource.js';
import { resolvers } from '../resolvers/index.js';
import { readGraphQLFiles } from './project-files.js';

/**
 * `_entities` costs what `users(ids:)` costs: what it selects, once per representation. Declared
 * as the SDL declares it for its own fields (security/operation-limits.ts reads `@complexity`).
 */
const COST_PER_REPRESENTATION: readonly ConstDirectiveNode[] = (
  parse('type Query { _entities: Int @complexity(value: 1, multipliers: ["representations"]) }').definitions[0] as ObjectTypeDefinitionNode
).fields![0]!.directives!;

export function subgraphSchema(): GraphQLSchema {
  const typeDefs = parse([...readGraphQLFiles('schema').values()].join('\n'));
  const schema = buildSubgraphSchema([{ typeDefs, resolvers: resolvers as GraphQLResolverMap<unknown> }]);
  return mapSchema(schema, {
    // A router asks for many entities at once; at most as many as `users(ids:)` takes.
    [MapperKind.QUERY_ROOT_FIELD]: (field, fieldName) => {
      if (fieldName !== '_entities') return field;
      const resolve = field.resolve ?? defaultFieldResolver;
      return {
        ...field,
        ...(field.astNode
          ? { astNode: { ...field.astNode, directives: [...(field.astNode.directives ?? []), ...COST_PER_REPRESENTATION] } }
          : {}),
        resolve: (source, args: { representations: readonly unknown[] }, context, info) => {
          const count = args.representations.length;
          if (count > MAX_BATCH_SIZE)
            throw badUserInput(`_entities takes at most ${MAX_BATCH_SIZE} representations, got ${count}`, 'representations');
          return resolve(source, args, context, info);
        },
      };
    },
  });
}

/** The SDL a router composes (what `_service { sdl }` answers). */
export function subgraphSdl(): string {
  return printSubgraphSchema(subgraphSchema());
}
