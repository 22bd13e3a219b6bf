/**
 * Operation limits: what one operation may ask for, checked before anything runs.
 *
 * The body's size is checked before it is parsed (body-limit.ts).
 * Tokens are counted while the document is parsed, depth, aliases and directives while it
 * is validated (graphql-armor), and the cost once its variables are known, before the
 * first resolver (graphql-query-complexity, from the `@complexity` directives of the SDL).
 * Every refusal is an error with `extensions.code` `OPERATION_LIMIT_EXCEEDED`, the limit's
 * name and its maximum, so that a client can tell which one it ran into.
 */
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { directiveEstimator, getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import {
  getNamedType,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  Kind,
  type ASTNode,
  type DocumentNode,
  type ValueNode,
  type ExecutionArgs,
  type GraphQLSchema,
  isLeafType,
  isListType,
  isNonNullType,
  type GraphQLOutputType,
  type ValidationContext,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import { useBodyLimit } from './body-limit.js';
import { badVariables, limitExceeded, type LimitName } from '../errors/graph-errors.js';

/** Limits checked before anything is executed. */
export interface LimitSettings {
  /** Deepest field nesting. @default 10 (`MAX_DEPTH`) */
  readonly maxDepth: number;
  /** Aliases in one operation. @default 15 (`MAX_ALIASES`) */
  readonly maxAliases: number;
  /** Lexical tokens in the document. @default 1000 (`MAX_TOKENS`) */
  readonly maxTokens: number;
  /** Directives in one operation. @default 20 (`MAX_DIRECTIVES`) */
  readonly maxDirectives: number;
  /** Cost: every field counts 1, times the size of each list around it. @default 5000 (`MAX_COST`) */
  readonly maxCost: number;
  /** Size assumed for a list whose arguments do not bound it (`Order.items`). @default 10 (`COST_DEFAULT_LIST_SIZE`) */
  readonly defaultListSize: number;
  /** Largest request body (security/body-limit.ts): 413 past it. @default 102400 (`MAX_BODY_BYTES`) */
  readonly maxBodyBytes: number;
  /** Operations in one array-batched request; 0: batching refused. @default 0 (`MAX_BATCH`) */
  readonly maxBatch: number;
  /**
   * Memory for parsed and validated documents (reused by the next request with the same
   * text), counted as `DOCUMENT_BYTES_PER_CHARACTER` bytes per character of the document;
   * the least recently used are dropped past it. @default 67108864 (`DOCUMENT_CACHE_BYTES`)
   */
  readonly documentCacheBytes: number;
}

/**
 * What a parsed document holds in memory per character of its text (its AST and validation
 * result): 742 KB for a document of 900 aliased fields in 8 KB of text, measured on the
 * heap with `--expose-gc` (95 bytes a character).
 */
export const DOCUMENT_BYTES_PER_CHARACTER = 100;

/**
 * Yoga's caches of parsed documents and of parse errors, bounded by memory rather than by
 * count (yoga's own keep 1,024 each, however large: 3,000 hostile documents held 650 MB).
 * Validation results are kept per document object, and go with it.
 */
export function documentCaches(maxBytes: number): { documentCache: LRUCache<string, DocumentNode>; errorCache: LRUCache<string, object> } {
  const sized = <T extends object>() =>
    new LRUCache<string, T>({ maxSize: maxBytes, sizeCalculation: (_, text) => Math.max(1, text.length * DOCUMENT_BYTES_PER_CHARACTER) });
  return { documentCache: sized<DocumentNode>(), errorCache: sized<object>() };
}

/** Armor's own errors carry no code: each refusal is reported as ours instead. */
function reportAs(limit: LimitName, max: number) {
  return {
    n: max,
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null) => {
        const error = limitExceeded(limit, max);
        // The token count has no validation context: it refuses by throwing out of the parser.
        if (context === null) throw error;
        context.reportError(error);
      },
    ],
  };
}

export function useOperationLimits(limits: LimitSettings): Plugin[] {
  return [
    useBodyLimit(limits.maxBodyBytes),
    maxTokensPlugin(reportAs('tokens', limits.maxTokens)),
    maxDepthPlugin({ ...reportAs('depth', limits.maxDepth), ignoreIntrospection: true, flattenFragments: true }),
    maxAliasesPlugin(reportAs('aliases', limits.maxAliases)),
    maxDirectivesPlugin(reportAs('directives', limits.maxDirectives)),
    useCostLimit(limits),
    useStreamArguments(),
  ] as Plugin[];
}

/**
 * A list of objects whose arguments do not say how long it is counts `defaultListSize`
 * times; a list of scalars counts once (its items are not fetched one by one).
 */
function listEstimator(defaultListSize: number): ComplexityEstimator {
  return ({ type, field, childComplexity }) => {
    // Introspection is bounded by the schema, not by the data: free.
    if (type.name.startsWith('__') || field.name.startsWith('__')) return 0;
    const outer: GraphQLOutputType = isNonNullType(field.type) ? field.type.ofType : field.type;
    const many = isListType(outer) && !isLeafType(getNamedType(field.type));
    return (1 + childComplexity) * (many ? defaultListSize : 1);
  };
}

/**
 * The cost is computed with the variables, before anything runs. graphql-query-complexity
 * coerces them as execution would, so variables that do not fit the operation are refused
 * here, with `BAD_USER_INPUT` (graphql-js gives them no code).
 *
 * Its walk of the operation is remembered for each document (yoga keeps the parsed documents)
 * and the values of the variables that can change the cost: those inside the arguments of a
 * field with `@complexity` multipliers and of a directive (`@include`, `@skip`). A profile
 * asking for another user's id costs the same, and is not walked again (6 % of the CPU at
 * saturation); its variables are still coerced, so that bad ones are refused the same way.
 * A list of scalars counts by its length alone (a multiplier is a list's length, or a number):
 * fifty other user ids cost what fifty did (3 % of the CPU of `users(ids:)` with fifty).
 */
function useCostLimit(limits: LimitSettings): Plugin {
  const estimators = [directiveEstimator({ name: 'complexity' }), listEstimator(limits.defaultListSize)];
  const known = new WeakMap<DocumentNode, Map<string, OperationCosts>>();
  return {
    onExecute({ args, setResultAndStopExecution }) {
      // envelop types the execution's arguments as `any`: these are graphql-js's.
      const { schema, document, operationName, variableValues } = args as ExecutionArgs;
      const operation = getOperationAST(document, operationName);
      // An unknown operation name is execution's to report.
      if (operation == null) return;
      const variables = (variableValues ?? {}) as Record<string, unknown>;
      let byOperation = known.get(document);
      if (byOperation === undefined) known.set(document, (byOperation = new Map<string, OperationCosts>()));
      let operationCosts = byOperation.get(operationName ?? '');
      if (operationCosts === undefined)
        byOperation.set(
          operationName ?? '',
          (operationCosts = { variables: costVariables(schema, document), costs: new LRUCache({ max: 100 }) }),
        );
      const { costs } = operationCosts;
      // The values of the variables that change the cost, as one string; a list of scalars by its length.
      const key =
        operationCosts.variables.length === 0
          ? ''
          : JSON.stringify(
              Object.fromEntries(operationCosts.variables.map((name) => [name, variables[name] ?? null])),
              scalarListsAsLengths,
            );
      let cost = costs.get(key);
      if (cost !== undefined) {
        const { errors } = getVariableValues(schema, operation.variableDefinitions ?? [], variables);
        const error = errors?.at(-1);
        if (error !== undefined) return setResultAndStopExecution({ errors: [badVariables(error.message, error.nodes)] });
      } else {
        try {
          cost = getComplexity({ schema, query: document, variables, ...(operationName == null ? {} : { operationName }), estimators });
        } catch (error) {
          if (!(error instanceof GraphQLError)) throw error;
          // Its other refusal: fragments that expand past its node budget, far past any cost limit.
          if (error.message.startsWith(TOO_MANY_NODES))
            return setResultAndStopExecution({ errors: [limitExceeded('cost', limits.maxCost)] });
          return setResultAndStopExecution({ errors: [badVariables(error.message, error.nodes)] });
        }
        costs.set(key, cost);
      }
      if (cost > limits.maxCost) setResultAndStopExecution({ errors: [limitExceeded('cost', limits.maxCost, cost)] });
    },
  };
}

/** `JSON.stringify`'s replacer for a cost key: a list of scalars (ids) stands for its length, which is all a cost reads of it. */
function scalarListsAsLengths(_key: string, value: unknown): unknown {
  if (!Array.isArray(value) || value.some((item) => typeof item === 'object' && item !== null)) return value;
  return { listOfScalars: value.length };
}

/** The costs of one operation of a document (the last 100), by the values of the variables that change it. */
interface OperationCosts {
  readonly variables: readonly string[];
  readonly costs: LRUCache<string, number>;
}

/** The variables of a document that can change its cost: in a multiplied field's arguments, or in a directive's. */
function costVariables(schema: GraphQLSchema, document: DocumentNode): string[] {
  const names = new Set<string>();
  const collect = (node: ASTNode) =>
    visit(node, {
      Variable: (variable) => {
        names.add(variable.name.value);
      },
    });
  const typeInfo = new TypeInfo(schema);
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field: (field) => {
        const multiplied = typeInfo
          .getFieldDef()
          ?.astNode?.directives?.some(
            (directive) => directive.name.value === 'complexity' && directive.arguments?.some((arg) => arg.name.value === 'multipliers'),
          );
        if (multiplied === true) field.arguments?.forEach(collect);
      },
      Directive: (directive) => {
        directive.arguments?.forEach(collect);
      },
    }),
  );
  return [...names].sort();
}

/**
 * `@stream(initialCount:)` below 0, which the executor refuses by throwing (an internal error
 * for the client): a `BAD_USER_INPUT` before anything runs, literal or variable.
 */
function useStreamArguments(): Plugin {
  const counts = new WeakMap<DocumentNode, readonly ValueNode[]>();
  const countsOf = (document: DocumentNode): readonly ValueNode[] => {
    let found = counts.get(document);
    if (found === undefined) {
      const values: ValueNode[] = [];
      visit(document, {
        Directive: (directive) => {
          if (directive.name.value !== 'stream') return;
          const count = directive.arguments?.find((arg) => arg.name.value === 'initialCount');
          if (count !== undefined) values.push(count.value);
        },
      });
      counts.set(document, (found = values));
    }
    return found;
  };
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const { document, variableValues } = args as ExecutionArgs;
      for (const value of countsOf(document)) {
        const count =
          value.kind === Kind.VARIABLE ? (variableValues ?? {})[value.name.value] : value.kind === Kind.INT ? Number(value.value) : 0;
        if (typeof count === 'number' && count < 0) {
          return setResultAndStopExecution({ errors: [badVariables(`@stream(initialCount:) is 0 or more, not ${count}.`, [value])] });
        }
      }
    },
  };
}

/** graphql-query-complexity's message when an operation expands past 10,000 nodes. */
const TOO_MANY_NODES = 'Query exceeds the maximum allowed number of nodes';
