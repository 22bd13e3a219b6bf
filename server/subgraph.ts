/**
 * The schema as a subgraph of a federated supergraph (Apollo Federation v2, @apollo/subgraph):
 * the SDL of `schema/` with `_service { sdl }` and `_entities(representations:)` added, the
 * entities (`User`, `Order`) resolved by their `__resolveReference`. The same schema serves the
 * graph's own endpoint; `npm run subgraph` prints the SDL a router composes.
 */
import { buildSubgraphSchema, printSubgraphSchema, type GraphQLResolverMap } from '@apollo/subgraph';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import {
  defaultFieldResolver,
  getNamedType,
  isCompositeType,
  isListType,
  isNonNullType,
  parse,
  type GraphQLFieldConfig,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';
import { countingListLength } from '../security/demand-control.js';
import { ownerRules } from '../security/authorization.js';
import { badUserInput } from '../errors/graph-errors.js';
import { MAX_BATCH_SIZE } from '../datasources/http-datasource.js';
import { resolvers } from '../resolvers/index.js';
import { readGraphQLFiles } from './project-files.js';

/**
 * The schema the graph serves, its resolvers wrapped in one pass: the `@ownerOnly` rule
 * (security/authorization.ts) on the fields it guards, the limits of `_entities`, and every list
 * of objects telling the operation's actual cost how long it came back (security/demand-control.ts).
 */
export function subgraphSchema(): GraphQLSchema {
  const typeDefs = parse([...readGraphQLFiles('schema').values()].join('\n'));
  const schema = buildSubgraphSchema([{ typeDefs, resolvers: resolvers as GraphQLResolverMap<unknown> }]);
  const ownerRule = ownerRules(schema);
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
      const guarded = ownerRule(field, fieldName, typeName);
      const limited = typeName === schema.getQueryType()?.name && fieldName === '_entities' ? withEntityLimits(guarded) : guarded;
      return isListOfObjects(limited.type) ? countingListLength(limited, limited.resolve ?? defaultFieldResolver) : limited;
    },
  });
}

/**
 * `_entities`: a router asks for many entities at once; at most as many as `users(ids:)` takes,
 * costed per representation, and a malformed one is the caller's error at its own place.
 */
function withEntityLimits(field: GraphQLFieldConfig<unknown, unknown>): GraphQLFieldConfig<unknown, unknown> {
  const resolve = field.resolve ?? defaultFieldResolver;
  return {
    ...field,
    resolve: (source, args: { representations: readonly unknown[] }, context, info) => {
      const count = args.representations.length;
      if (count > MAX_BATCH_SIZE)
        throw badUserInput(`_entities takes at most ${MAX_BATCH_SIZE} representations, got ${count}`, 'representations');
      // The library would throw for the whole field (an unknown type) or hand a malformed one to a reference resolver.
      const problems = args.representations.map(representationProblem);
      if (problems.every((problem) => problem === undefined)) return resolve(source, args, context, info);
      const valid = args.representations.filter((_, i) => problems[i] === undefined);
      const merged = (resolved: readonly unknown[]) => {
        let next = 0;
        return problems.map((problem) => problem ?? resolved[next++]);
      };
      const resolved = valid.length === 0 ? [] : resolve(source, { ...args, representations: valid }, context, info);
      return resolved instanceof Promise ? resolved.then(merged) : merged(resolved as unknown[]);
    },
  };
}

/** The types a router may ask for by key: those with a reference resolver. */
const ENTITY_TYPES: ReadonlySet<string> = new Set(
  Object.entries(resolvers)
    .filter(([, typeResolvers]) => typeof typeResolvers === 'object' && '__resolveReference' in typeResolvers)
    .map(([name]) => name),
);

/** Why a representation cannot be resolved (a `BAD_USER_INPUT` for its own place), or `undefined` when it can. */
function representationProblem(representation: unknown, index: number): Error | undefined {
  const fail = (why: string) => badUserInput(`representations[${index}] ${why}`, 'representations');
  if (typeof representation !== 'object' || representation === null || Array.isArray(representation))
    return fail('is not an object: send {"__typename": "User", "id": "..."}.');
  const { __typename: typename, id } = representation as { __typename?: unknown; id?: unknown };
  if (typeof typename !== 'string') return fail('has no __typename.');
  if (!ENTITY_TYPES.has(typename))
    return fail(`names ${JSON.stringify(typename).slice(0, 80)}, not an entity of this subgraph (${[...ENTITY_TYPES].join(', ')}).`);
  if (typeof id !== 'string') return fail(`has no id string: ${typename} is resolved by its key "id", an ID sent as a string.`);
  return undefined;
}

/** A list whose items are objects: what its length adds to an operation's cost. */
function isListOfObjects(type: GraphQLOutputType): boolean {
  const outer = isNonNullType(type) ? type.ofType : type;
  return isListType(outer) && isCompositeType(getNamedType(outer));
}

/** The SDL a router composes (what `_service { sdl }` answers). */
export function subgraphSdl(): string {
  return printSubgraphSchema(subgraphSchema());
}
