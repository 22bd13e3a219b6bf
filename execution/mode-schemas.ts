/**
 * The schema each error mode executes against. graphql-js 16's executor (and yoga's, from
 * @graphql-tools/executor) has one error behaviour, PROPAGATE, decided by the types: a field
 * error in a non-null position bubbles to the nearest nullable parent. So each other mode
 * runs the same resolvers under a twin of the schema, built once per schema:
 *
 * - `NULL`: every output position nullable, so nothing bubbles; a resolver that answers `null`
 *   where the schema as written says non-null answers the executor's own error instead, at
 *   its own path (the value stays `null`).
 * - `HALT`: the types as written; every resolver tells the request of its error (thrown,
 *   rejected, an error in a list, a `null` where non-null) the moment it happens, so that the
 *   operation ends then and there.
 *
 * Validation always runs against the schema as written; the twins only change execution.
 */
import { MapperKind, mapSchema, pathToArray, type FieldMapper } from '@graphql-tools/utils';
import {
  GraphQLError,
  GraphQLList,
  defaultFieldResolver,
  isListType,
  isNonNullType,
  locatedError,
  type GraphQLFieldResolver,
  type GraphQLOutputType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
} from 'graphql';
import type { ModeContext } from '../errors/error-mode.js';
import { withoutStackTraces } from '../errors/stack-traces.js';

const nullingSchemas = new WeakMap<GraphQLSchema, GraphQLSchema>();
const haltingSchemas = new WeakMap<GraphQLSchema, GraphQLSchema>();

/** The twin for `NULL`: nothing bubbles, and a `null` the schema forbids is still an error. */
export function nullingSchema(schema: GraphQLSchema): GraphQLSchema {
  return twinOf(nullingSchemas, schema, (field) => {
    const resolve = field.resolve ?? defaultFieldResolver;
    const written = field.type;
    const nulling: GraphQLFieldResolver<unknown, unknown> = (source, args, context, info) =>
      then(resolve(source, args, context, info), (value) => holesAsErrors(value, written, info));
    return { ...field, type: nullable(written), resolve: nulling };
  });
}

/** The twin for `HALT`: the same types, and every field error reported to the request as it happens. */
export function haltingSchema(schema: GraphQLSchema): GraphQLSchema {
  return twinOf(haltingSchemas, schema, (field) => {
    const resolve = field.resolve ?? defaultFieldResolver;
    const written = field.type;
    const halting: GraphQLFieldResolver<unknown, ModeContext> = (source, args, context, info) => {
      const halt = (error: unknown, path: readonly (string | number)[]) => context.onError.halt(locatedError(error, info.fieldNodes, path));
      let value: unknown;
      try {
        value = resolve(source, args, context, info);
      } catch (error) {
        halt(error, pathToArray(info.path));
        throw error;
      }
      return then(
        value,
        (resolved) => reportHoles(resolved, written, info, pathToArray(info.path), halt),
        (error) => halt(error, pathToArray(info.path)),
      );
    };
    return { ...field, resolve: halting };
  });
}

/** The twin of `schema` with every object field mapped by `field`, built once per schema. */
function twinOf(twins: WeakMap<GraphQLSchema, GraphQLSchema>, schema: GraphQLSchema, field: FieldMapper): GraphQLSchema {
  let twin = twins.get(schema);
  if (twin === undefined) twins.set(schema, (twin = mapSchema(schema, { [MapperKind.OBJECT_FIELD]: field })));
  return twin;
}

/** The type with every non-null wrapper removed, at every level of lists. */
function nullable(type: GraphQLOutputType): GraphQLOutputType {
  const inner = isNonNullType(type) ? type.ofType : type;
  return isListType(inner) ? new GraphQLList(nullable(inner.ofType as GraphQLOutputType)) : inner;
}

/** The executor's own words for a `null` where the schema says non-null: an answer, made without a stack. */
function nonNullError(info: GraphQLResolveInfo): GraphQLError {
  return withoutStackTraces(() => new GraphQLError(`Cannot return null for non-nullable field ${info.parentType.name}.${info.fieldName}.`));
}

/**
 * `value` with an error in each place where the schema as written forbids its `null`: the
 * executor reports an error it is handed as the error of that very place (field or list item).
 */
function holesAsErrors(value: unknown, type: GraphQLOutputType, info: GraphQLResolveInfo): unknown {
  if (isNonNullType(type)) return value === null || value === undefined ? nonNullError(info) : holesAsErrors(value, type.ofType, info);
  if (!isListType(type) || !Array.isArray(value)) return value;
  const itemType = type.ofType;
  if (!isNonNullType(itemType) && !isListType(itemType)) return value;
  return value.map((item: unknown) => then(item, (resolved) => holesAsErrors(resolved, itemType, info)));
}

/** Tells `halt` of the first error in `value` (an error, a forbidden `null`, in lists at any depth); `value` unchanged. */
function reportHoles(
  value: unknown,
  type: GraphQLOutputType,
  info: GraphQLResolveInfo,
  path: readonly (string | number)[],
  halt: (error: unknown, path: readonly (string | number)[]) => void,
): unknown {
  if (value instanceof Error) {
    halt(value, path);
    return value;
  }
  if (isNonNullType(type)) {
    if (value === null || value === undefined) halt(nonNullError(info), path);
    return reportHoles(value, type.ofType, info, path, halt);
  }
  if (!isListType(type) || !Array.isArray(value)) return value;
  const itemType = type.ofType;
  return value.map((item: unknown, index) =>
    then(
      item,
      (resolved) => reportHoles(resolved, itemType, info, [...path, index], halt),
      (error) => halt(error, [...path, index]),
    ),
  );
}

/**
 * `map` applied to `value`, now or when it resolves; `failed` told of a rejection, which stays a
 * rejection. Synchronous values stay synchronous: the executor's fast path.
 */
function then(value: unknown, map: (resolved: unknown) => unknown, failed?: (error: unknown) => void): unknown {
  if (!(value instanceof Promise)) return map(value);
  return value.then(map, (error: unknown) => {
    failed?.(error);
    throw error;
  });
}
