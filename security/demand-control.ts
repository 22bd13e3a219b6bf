/**
 * Demand control: every operation's cost estimated before anything runs (security/operation-cost.ts,
 * from the SDL's `@cost` and `@listSize`), refused above `MAX_COST` with
 * `COST_ESTIMATED_TOO_EXPENSIVE` (`COST_MODE=enforce`) or only counted and logged
 * (`COST_MODE=measure`), and its actual cost counted as its lists resolve.
 *
 * The estimate of a document's operation is kept for the values of the variables that can change
 * it (sizes, lengths, input objects, `@skip`/`@include`): a profile asked for another user's id
 * costs the same and is not walked again. Its variables are still coerced for every request, so
 * that ones that do not fit the operation are refused here, with `BAD_USER_INPUT`.
 */
import {
  getNamedType,
  getOperationAST,
  getVariableValues,
  isInputObjectType,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type ASTNode,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLFieldConfig,
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { isAsyncIterable } from '@graphql-tools/utils';
import type { Plugin, YogaLogger } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import { badVariables, costTooExpensive } from '../errors/graph-errors.js';
import { CostInputError, CostModel, CostWalkTooLong, SIZED_BY_LENGTH, type CostEstimate } from './operation-cost.js';

export type CostMode = 'enforce' | 'measure';

/** What an operation may cost. */
export interface CostSettings {
  /** Most an operation may cost, estimated before it runs (`@cost`, `@listSize`). @default 5000 (`MAX_COST`) */
  readonly maxCost: number;
  /**
   * `enforce`: refuse an operation estimated above `MAX_COST`; `measure`: never refuse, count and log it.
   * @default enforce (`COST_MODE`: `enforce` or `measure`)
   */
  readonly costMode: CostMode;
  /** Size assumed for a list no argument or `@listSize` sizes (`Order.items`). @default 10 (`COST_DEFAULT_LIST_SIZE`) */
  readonly defaultListSize: number;
}

/** The request header that asks for `extensions.cost` in the answer. */
export const COST_HEADER = 'x-graph-cost';

/** One operation's cost, kept on its context while it runs: its lists add what they came back with to `actual`. */
export interface OperationCost {
  readonly estimated: number;
  actual: number;
  readonly limit: number;
  readonly lists: CostEstimate['lists'];
}

/** The context's part the cost lives in. */
export interface CostContext {
  cost?: OperationCost | undefined;
  readonly request: Request;
}

/** Where the cost is told: metrics, by operation name. */
export interface CostObserver {
  /** An operation estimated above the limit: refused (enforce) or let through (measure). */
  overLimit(operation: string | undefined, mode: CostMode): void;
}

export function useDemandControl(settings: CostSettings, observer: CostObserver, logger: YogaLogger): Plugin<CostContext> {
  const models = new WeakMap<GraphQLSchema, CostModel>();
  const estimates = new WeakMap<DocumentNode, Map<string, KnownEstimates>>();
  return {
    onExecute({ args, setResultAndStopExecution }) {
      // envelop types the execution's arguments as `any`: these are graphql-js's.
      const { schema, document, operationName, variableValues, contextValue } = args as ExecutionArgs & { contextValue: CostContext };
      const operation = getOperationAST(document, operationName);
      // An unknown operation name is execution's to report.
      if (operation == null) return;
      const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variableValues ?? {});
      if (coerced.errors !== undefined) {
        const error = coerced.errors.at(-1)!;
        return setResultAndStopExecution({ errors: [badVariables(error.message, error.nodes)] });
      }
      let model = models.get(schema);
      if (model === undefined) models.set(schema, (model = new CostModel(schema, settings.defaultListSize)));
      let estimate: CostEstimate;
      try {
        estimate = estimateOf(model, estimates, document, operation, operationName ?? '', coerced.coerced);
      } catch (error) {
        if (error instanceof CostInputError) return setResultAndStopExecution({ errors: [badVariables(error.message, [error.node])] });
        if (!(error instanceof CostWalkTooLong)) throw error;
        // Not measurable: refused in either mode.
        observer.overLimit(operation.name?.value, 'enforce');
        return setResultAndStopExecution({ errors: [costTooExpensive(undefined, settings.maxCost, error.message)] });
      }
      const { estimated, lists } = estimate;
      if (estimated > settings.maxCost) {
        observer.overLimit(operation.name?.value, settings.costMode);
        if (settings.costMode === 'enforce') return setResultAndStopExecution({ errors: [costTooExpensive(estimated, settings.maxCost)] });
        logger.info('graphql operation over the cost limit, measured', {
          operation: operation.name?.value ?? null,
          estimated,
          limit: settings.maxCost,
        });
      }
      const cost: OperationCost = { estimated, actual: estimated, limit: settings.maxCost, lists };
      contextValue.cost = cost;
      if (contextValue.request.headers.get(COST_HEADER) !== '1') return;
      const told = () => ({ estimated: cost.estimated, actual: cost.actual, limit: cost.limit });
      return {
        onExecuteDone: ({ result, setResult }) => {
          if (!isAsyncIterable(result)) return setResult({ ...result, extensions: { ...result.extensions, cost: told() } });
          // An incremental answer: its last part tells the cost, once every list has come.
          return {
            onNext: ({ result: part, setResult: setPart }) => {
              if ('hasNext' in part && part.hasNext === false) setPart({ ...part, extensions: { ...part.extensions, cost: told() } });
            },
          };
        },
      };
    },
  };
}

/** The last estimates of one operation of a document, by the values of the variables that change them. */
interface KnownEstimates {
  readonly variables: readonly string[];
  readonly estimates: LRUCache<string, CostEstimate>;
}

function estimateOf(
  model: CostModel,
  known: WeakMap<DocumentNode, Map<string, KnownEstimates>>,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  operationName: string,
  variables: Record<string, unknown>,
): CostEstimate {
  let byOperation = known.get(document);
  if (byOperation === undefined) known.set(document, (byOperation = new Map<string, KnownEstimates>()));
  let operationEstimates = byOperation.get(operationName);
  if (operationEstimates === undefined)
    byOperation.set(
      operationName,
      (operationEstimates = { variables: costVariables(model, document), estimates: new LRUCache({ max: 100 }) }),
    );
  const key =
    operationEstimates.variables.length === 0
      ? ''
      : JSON.stringify(
          Object.fromEntries(operationEstimates.variables.map((name) => [name, variables[name] ?? null])),
          scalarListsAsLengths,
        );
  let estimate = operationEstimates.estimates.get(key);
  if (estimate === undefined) operationEstimates.estimates.set(key, (estimate = model.estimate(document, operation, variables)));
  return estimate;
}

/** `JSON.stringify`'s replacer for an estimate's key: a list of scalars (ids) stands for its length, which is all a cost reads of it. */
function scalarListsAsLengths(_key: string, value: unknown): unknown {
  if (!Array.isArray(value) || value.some((item) => typeof item === 'object' && item !== null)) return value;
  return { listOfScalars: value.length };
}

/**
 * The variables of a document that can change its cost: in a directive's arguments, or in an
 * argument that sizes a list, is an input object, or carries a weight. The others (a user's id)
 * change what is fetched, not how much.
 */
function costVariables(model: CostModel, document: DocumentNode): string[] {
  const names = new Set<string>();
  const collect = (node: ASTNode) =>
    visit(node, {
      Variable: (variable) => {
        names.add(variable.name.value);
      },
    });
  const typeInfo = new TypeInfo(model.schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Argument: (argument) => {
        const definition = typeInfo.getArgument();
        const field = typeInfo.getFieldDef();
        const parent = typeInfo.getParentType();
        const directive = typeInfo.getDirective();
        const counts =
          directive != null ||
          definition == null ||
          field == null ||
          model.listSizeOf(field) !== undefined ||
          SIZED_BY_LENGTH[`${parent?.name}.${field.name}`] !== undefined ||
          model.weightOf(definition) !== undefined ||
          isInputObjectType(getNamedType(definition.type));
        if (counts) collect(argument);
      },
    }),
  );
  return [...names].sort();
}

/**
 * A list field's resolver that tells the operation's cost how long the list came back: the
 * difference from its estimated size, times one item's estimated cost, is added to `actual`.
 */
export function countingListLength<TSource, TContext extends CostContext>(
  field: GraphQLFieldConfig<TSource, TContext>,
  resolve: GraphQLFieldResolver<TSource, TContext>,
): GraphQLFieldConfig<TSource, TContext> {
  return {
    ...field,
    resolve: (source, args, context, info) => {
      const result: unknown = resolve(source, args, context, info);
      const cost = context.cost;
      if (cost === undefined) return result;
      if (result instanceof Promise)
        return result.then((list: unknown) => {
          counted(cost, list, info);
          return list;
        });
      counted(cost, result, info);
      return result;
    },
  };
}

function counted(cost: OperationCost, list: unknown, info: GraphQLResolveInfo): void {
  if (!Array.isArray(list)) return;
  const known = cost.lists.get(positionOf(info.path));
  if (known !== undefined) cost.actual += (list.length - known.size) * known.perItem;
}

/** A response path without its list indexes: `user.orders.nodes`. */
function positionOf(path: GraphQLResolveInfo['path']): string {
  let position = '';
  for (let at: GraphQLResolveInfo['path'] | undefined = path; at !== undefined; at = at.prev)
    if (typeof at.key === 'string') position = position === '' ? at.key : `${at.key}.${position}`;
  return position;
}
