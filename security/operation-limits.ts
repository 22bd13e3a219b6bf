/**
 * Operation limits: what one operation may ask for, checked before anything runs.
 *
 * The body's size is checked before it is parsed (body-limit.ts).
 * Tokens are counted while the document is parsed, depth, aliases and directives while it
 * is validated (graphql-armor); the cost, once its variables are known, is demand control's
 * (demand-control.ts). Every refusal is an error with `extensions.code` `OPERATION_LIMIT_EXCEEDED`, the limit's
 * name and its maximum, so that a client can tell which one it ran into.
 */
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { Kind, visit, type DocumentNode, type ExecutionArgs, type ValidationContext, type ValueNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import { useBodyLimit } from './body-limit.js';
import { badVariables, limitExceeded, type LimitName } from '../errors/graph-errors.js';
import type { CostSettings } from './demand-control.js';

/** Limits checked before anything is executed. */
export interface LimitSettings extends CostSettings {
  /** Deepest field nesting. @default 10 (`MAX_DEPTH`) */
  readonly maxDepth: number;
  /** Aliases in one operation. @default 15 (`MAX_ALIASES`) */
  readonly maxAliases: number;
  /** Lexical tokens in the document. @default 1000 (`MAX_TOKENS`) */
  readonly maxTokens: number;
  /** Directives in one operation. @default 20 (`MAX_DIRECTIVES`) */
  readonly maxDirectives: number;
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
    useStreamArguments(),
  ] as Plugin[];
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
