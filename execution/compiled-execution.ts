/**
 * Compiled execution (graphql-jit): a query's document is compiled once into JavaScript that
 * runs its resolvers without the executor's generic walk, and reused for every request with the
 * same document (yoga keeps the parsed documents, within DOCUMENT_CACHE_BYTES; the compiled
 * query goes when its document does). A document is compiled only once it has run
 * `COMPILED_EXECUTION_AFTER` times on the standard executor: compiling costs more than one run,
 * and is paid back only by a document that comes again.
 *
 * It serves what it runs exactly as the standard executor would: the same data, and every
 * error with its message, `locations`, `path` and `extensions` (test/compiled-execution.test.ts
 * compares the two answer by answer). Everything else keeps the standard executor: mutations
 * (written one field after another), `@defer`/`@stream` (incremental delivery), introspection,
 * the `NULL` and `HALT` error modes (their twin schemas and the halt's signal), and a document
 * with a variable inside a custom scalar's literal (`_entities(representations: [{id: $id}])`):
 * graphql-jit parses such a literal without the variables (`parseLiteral(node, {})`).
 */
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import {
  getOperationAST,
  GraphQLError,
  Kind,
  OperationTypeNode,
  visit,
  BREAK,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
  type SourceLocation,
  valueFromASTUntyped,
} from 'graphql';
import {
  getNamedType,
  getNullableType,
  isListType,
  isScalarType,
  isSpecifiedScalarType,
  TypeInfo,
  visitWithTypeInfo,
  type ASTNode,
  type GraphQLFieldResolver,
} from 'graphql';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import type { Plugin } from 'graphql-yoga';
import type { ModeContext } from '../errors/error-mode.js';
import { withoutStackTraces } from '../errors/stack-traces.js';

/** Directives and fields that need the standard executor. */
const INCREMENTAL = new Set(['defer', 'stream']);
/** A field of the schema's own (`__schema`, `__type`, the capabilities' `__service`), not `__typename`. */
const isIntrospection = (name: string) => name.startsWith('__') && name !== '__typename';

interface Compiled {
  readonly schema: GraphQLSchema;
  /** `undefined`: this operation runs on the standard executor. */
  readonly query: CompiledQuery | undefined;
  /**
   * The operation's variables that have a default value, with it. graphql-jit refuses a
   * non-null variable the request leaves out even when it has a default (`$id: ID! = "u1"`),
   * which graphql-js takes: the defaults are put in before it coerces.
   */
  readonly defaults: readonly (readonly [string, unknown])[];
}

export interface CompiledExecutionSettings {
  /** Whether queries run compiled at all. @default true (`COMPILED_EXECUTION`: `on` or `off`) */
  readonly enabled: boolean;
  /**
   * Runs of a document on the standard executor before it is compiled: a document seen once (an
   * anonymous client can make every one unique) never pays for its compilation.
   * @default 2 (`COMPILED_EXECUTION_AFTER`)
   */
  readonly afterUses: number;
  /** Told of every operation it compiles (a metric). */
  readonly compiled?: () => void;
}

/** `COMPILED_EXECUTION=off` turns it off: every operation on the standard executor. */
export function useCompiledExecution({ enabled, afterUses, compiled: told }: CompiledExecutionSettings): Plugin<ModeContext> {
  if (!enabled) return {};
  // By document (yoga's cached object, bounded by DOCUMENT_CACHE_BYTES), then by operation name:
  // a document may hold several. Its uses are counted until it is compiled.
  const compiled = new WeakMap<DocumentNode, Map<string, Compiled>>();
  const uses = new WeakMap<DocumentNode, number>();
  /** Whether the document has run on the standard executor as often as it must before it is compiled (counting this run). */
  const usedEnough = (document: DocumentNode): boolean => {
    if (afterUses === 0 || compiled.has(document)) return true;
    const count = (uses.get(document) ?? 0) + 1;
    if (count > afterUses) return true;
    uses.set(document, count);
    return false;
  };
  const compiledFor = (schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined): Compiled | undefined => {
    if (!usedEnough(document)) return undefined;
    let byName = compiled.get(document);
    if (byName === undefined) compiled.set(document, (byName = new Map<string, Compiled>()));
    let entry = byName.get(operationName ?? '');
    if (entry === undefined || entry.schema !== schema) {
      const query = needsStandardExecutor(schema, document) ? undefined : compileQuery(settledListsOf(schema), document, operationName);
      const definitions = getOperationAST(document, operationName)?.variableDefinitions ?? [];
      const defaults = definitions.flatMap((definition) =>
        definition.defaultValue === undefined
          ? []
          : [[definition.variable.name.value, valueFromASTUntyped(definition.defaultValue)] as const],
      );
      entry = { schema, query: query !== undefined && isCompiledQuery(query) ? query : undefined, defaults };
      if (entry.query !== undefined) told?.();
      byName.set(operationName ?? '', entry);
      uses.delete(document);
    }
    return entry;
  };
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      // envelop types the execution's arguments as `any`: these are graphql-js's.
      const { schema, document, operationName } = args as ExecutionArgs;
      const operation = getOperationAST(document, operationName);
      if (operation?.operation !== OperationTypeNode.QUERY) return;
      // The mode is decided once, here or in error-modes.ts, whichever asks first.
      if (args.contextValue.onError.decide(operation) !== 'PROPAGATE') return;
      const entry = compiledFor(schema, document, operationName ?? undefined);
      if (entry?.query === undefined) return;
      const { query, defaults } = entry;
      const standard = executeFn as (execution: ExecutionArgs) => unknown;
      setExecuteFn((execution: ExecutionArgs) => {
        // A later plugin may run the operation against another schema (the capabilities'): not what was compiled.
        if (execution.schema !== schema) return standard(execution);
        const given = execution.variableValues ?? {};
        const variables = defaults.some(([name]) => given[name] === undefined)
          ? { ...Object.fromEntries(defaults), ...Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)) }
          : given;
        const result = query.query(execution.rootValue, execution.contextValue, variables);
        return result instanceof Promise ? result.then((done) => located(done, document)) : located(result, document);
      });
    },
  };
}

/**
 * The schema with every resolver of a list field settling its items' promises: an item whose
 * promise fails resolves to its error instead, which graphql-jit answers at the item's place.
 * graphql-jit 0.8.9 answers a rejected item with `resultArray.push(null)` (execution.js,
 * compileListType) rather than at its index: with items answered out of order (a DataLoader's
 * batch), the list came out one null longer per failed item, its nulls in the wrong places.
 */
const settledSchemas = new WeakMap<GraphQLSchema, GraphQLSchema>();
function settledListsOf(schema: GraphQLSchema): GraphQLSchema {
  let settled = settledSchemas.get(schema);
  if (settled === undefined) {
    settled = mapSchema(schema, {
      [MapperKind.OBJECT_FIELD]: (field) => {
        const resolve = field.resolve;
        if (resolve === undefined || !isListType(getNullableType(field.type))) return field;
        const settling: GraphQLFieldResolver<unknown, unknown> = (source, args, context, info) =>
          settleItems(resolve(source, args, context, info));
        return { ...field, resolve: settling };
      },
    });
    settledSchemas.set(schema, settled);
  }
  return settled;
}

function settleItems(value: unknown): unknown {
  if (value instanceof Promise) return value.then(settleItems);
  if (!Array.isArray(value)) return value;
  const items = value as unknown[];
  let settled: unknown[] | undefined;
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    if (item instanceof Promise) (settled ??= [...items])[i] = item.catch(asErrorValue);
  }
  return settled ?? value;
}

const asErrorValue = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

/**
 * Whether the document defers, streams, introspects or puts a variable inside a custom scalar's
 * literal: what the compiled path leaves to the standard executor.
 */
function needsStandardExecutor(schema: GraphQLSchema, document: DocumentNode): boolean {
  let found = variableInCustomScalarLiteral(schema, document);
  if (!found)
    visit(document, {
      Directive: (node) => {
        if (!INCREMENTAL.has(node.name.value)) return undefined;
        found = true;
        return BREAK;
      },
      Field: (node) => {
        if (!isIntrospection(node.name.value)) return undefined;
        found = true;
        return BREAK;
      },
    });
  return found || document.definitions.some((definition) => definition.kind === Kind.OPERATION_DEFINITION && definition.directives?.length);
}

/** Whether a literal of a custom scalar (`_Any`'s object, say) holds a variable anywhere inside it. */
function variableInCustomScalarLiteral(schema: GraphQLSchema, document: DocumentNode): boolean {
  const typeInfo = new TypeInfo(schema);
  let found = false;
  const literal = (node: ASTNode) => {
    const type = getNamedType(typeInfo.getInputType() ?? undefined);
    if (type === undefined || !isScalarType(type) || isSpecifiedScalarType(type)) return undefined;
    visit(node, {
      Variable: () => {
        found = true;
        return BREAK;
      },
    });
    return found ? BREAK : false;
  };
  visit(document, visitWithTypeInfo(typeInfo, { ObjectValue: literal, ListValue: literal }));
  return found;
}

/**
 * Yoga's `isOriginalGraphQLError`, which its masking asks: a GraphQLError whose originals, if any, are
 * GraphQLErrors too. Yoga does not export it; envelop's namesake tests the error's name instead.
 */
function graphQLAllTheWay(error: Error): error is GraphQLError {
  let current: Error | undefined = error;
  while (current instanceof GraphQLError) {
    if (current.originalError == null) return true;
    current = current.originalError;
  }
  return false;
}

/**
 * The result with graphql-js's errors: graphql-jit's carry their locations as a property only,
 * and yoga rebuilds every error from its source and positions, so the locations were lost. Each
 * is rebuilt as the standard executor builds it: the same message, its positions in the
 * document, its path and its original error's extensions (the original error itself only when
 * masking needs it: below).
 */
function located(result: ExecutionResult, document: DocumentNode): ExecutionResult {
  const raw = result.errors;
  if (raw === undefined || raw.length === 0) return result;
  const source = document.loc?.source;
  const offsets = source === undefined ? undefined : lineOffsets(source.body);
  // Made for the answer, without stacks (errors/stack-traces.ts). The extensions are the original
  // error's, as graphql-js's locatedError makes them. An original that is GraphQL errors all the
  // way down (an upstream's failure, a refusal of ours) is not kept: masking lets such an error
  // through with it or without, the status Yoga chooses reads the same, nothing else reads it, and
  // Yoga would copy it as it serializes the answer, for nothing. Any other (a bug's error, or one
  // wrapped in a GraphQLError) is kept, for masking to hide and log.
  const errors = withoutStackTraces(() =>
    raw.map((error) => {
      const locations = (error as { locations?: readonly SourceLocation[] }).locations;
      const original = error.originalError;
      return new GraphQLError(error.message, {
        ...(source !== undefined && offsets !== undefined && locations !== undefined
          ? { source, positions: locations.map(({ line, column }) => offsets[line - 1]! + column - 1) }
          : {}),
        ...(error.path === undefined ? {} : { path: error.path }),
        ...(original == null ? {} : graphQLAllTheWay(original) ? { extensions: original.extensions } : { originalError: original }),
      });
    }),
  );
  // Errors first, as graphql-js (and the spec's recommendation) has them: the answers of the two executors are the same bytes.
  const { errors: _jit, ...rest } = result;
  return { errors, ...rest };
}

/** Where each line of `body` starts, lines ending as graphql-js ends them (CRLF, LF or CR). */
function lineOffsets(body: string): number[] {
  const offsets = [0];
  for (const match of body.matchAll(/\r\n|[\n\r]/g)) offsets.push(match.index + match[0].length);
  return offsets;
}
