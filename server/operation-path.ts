/**
 * One operation's phases, as Yoga and envelop run them, without their per-request machinery: the
 * fast path's (server/fast-path.ts) replacement for `yoga.getResultForParams`.
 *
 * Yoga runs an operation as `getResultForParams` (the parameter hooks, then `handleParams`, then
 * the execution-result hooks), `handleParams` as `processRequest` over `getEnveloped(context)`, and
 * envelop's orchestrator runs each phase (parse, validate, context, execute) through its plugins'
 * hooks. Every step is a `handleMaybePromise` or an `iterateAsync` of @whatwg-node/promise-helpers
 * (a closure, and a fake or real promise, per hook), and `getEnveloped` makes five closures a
 * request before any hook runs. Here the same hooks of the same plugins, gathered once at start,
 * are called in the same order with the same payloads, one plain loop a phase, awaiting only
 * what a hook returns as a promise.
 *
 * What is the same, and `test/fast-path.test.ts` holds it byte for byte against Yoga's own path:
 * each hook's payload (its setters, `extendContext`, `endEarly` where envelop offers one), the
 * initial engine functions (envelop's, which refuse until `useEngine` sets them), the parsed
 * document's source kept for `getDocumentString`, the context's `request` and `params`, the
 * masking of what a phase throws (Yoga's `handleError`), the incremental results' `onNext` and
 * `onEnd` and their errors, a subscription handed to envelop's own `subscribe`.
 *
 * What it refuses at start (server/yoga-internals.ts), so that nothing is silently skipped: a plugin
 * with `onEnveloped` (it may change the schema a request at a time), or one that instruments the
 * phases. Context errors
 * go through Yoga's masking, the one context error handler Yoga registers (`useMaskedErrors`):
 * envelop keeps the list to itself.
 */
import { getOperationAST, GraphQLError, OperationTypeNode, type DocumentNode, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import { documentStringMap } from '@envelop/core';
import { createGraphQLError, finalAsyncIterator, isAsyncIterable, isPromise, mapAsyncIterator } from 'graphql-yoga';
import {
  hooksOf,
  type Context,
  type DoneHook,
  type Execute,
  type ExecuteHooks,
  type Hook,
  type MaybePromise,
  type Params,
  type ParamsHandler,
  type Result,
  type Yoga,
  type YogaInternals,
} from './yoga-internals.js';

type Parse = (source: unknown, options?: unknown) => DocumentNode;
type Validate = (
  schema: GraphQLSchema,
  document: DocumentNode,
  rules?: unknown[],
  typeInfo?: unknown,
  options?: unknown,
) => readonly GraphQLError[];

/** The `extendContext` handed to the parse, validate and context hooks. */
type Extend = (extension: object) => void;

function engineMissing(name: string): never {
  throw Error(`No \`${name}\` function found! Register it using "useEngine" plugin.`);
}

export interface OperationPath {
  /** What one set of parameters answers, run as `yoga.getResultForParams` would. */
  readonly run: (params: Params, request: Request, context: Context) => Promise<Result>;
  /** Yoga's `handleError`: what a phase threw, as the errors of an answer (masked, logged). */
  readonly errorsOf: (error: unknown) => GraphQLError[];
}

export function operationPath(internals: YogaInternals, fetchAPI: Yoga['fetchAPI']): OperationPath {
  const { plugins, onParamsHooks, onExecutionResultHooks, logger, handleParams: yogaHandleParams, maskedErrorsOpts: masking } = internals;
  const parseHooks = hooksOf(plugins, 'onParse');
  const validateHooks = hooksOf(plugins, 'onValidate');
  const contextHooks = hooksOf(plugins, 'onContextBuilding');
  const executeHooks = hooksOf(plugins, 'onExecute');
  // The schema as the plugins left it at start (`useSchema`, then every `onSchemaChange`): with
  // no `onEnveloped` (refused at start), nothing changes it afterwards.
  const { schema } = internals.getEnveloped({});

  /** Yoga's `handleError`, with masking on (it always is here). */
  const errorsOf = (error: unknown): GraphQLError[] => {
    const errors = new Set<GraphQLError>();
    if (error != null && typeof error === 'object' && 'errors' in error) {
      for (const each of error.errors as unknown[]) for (const handled of errorsOf(each)) errors.add(handled);
    } else if (isAbortError(error)) {
      logger.debug('Request aborted');
    } else {
      const masked = masking.maskError(error, masking.errorMessage, masking.isDev);
      if (masked !== error) logger.error(error);
      errors.add(masked instanceof GraphQLError ? masked : createGraphQLError(masked.message, { originalError: masked }));
    }
    return [...errors];
  };

  /** envelop's parse: the hooks may set the parser, or the document itself; their done hooks may replace it. */
  const parse = (context: Context, extendContext: Extend, source: unknown): DocumentNode => {
    let result: DocumentNode | Error | null = null;
    let parseFn: Parse = () => engineMissing('parse');
    const setParseFn = (next: Parse): void => {
      parseFn = next;
    };
    const setParsedDocument = (next: DocumentNode): void => {
      result = next;
    };
    const done: DoneHook[] = [];
    for (const onParse of parseHooks) {
      const after = onParse({ context, extendContext, params: { source, options: undefined }, parseFn, setParseFn, setParsedDocument });
      if (after) done.push(after);
    }
    if (result === null) {
      try {
        result = parseFn(source);
      } catch (error) {
        result = error as Error;
      }
    }
    if (done.length > 0) {
      const replaceParseResult = (next: DocumentNode | Error): void => {
        result = next;
      };
      for (const after of done) after({ context, extendContext, replaceParseResult, result });
    }
    if (result === null) throw new Error(`Failed to parse document.`);
    if (result instanceof Error) throw result;
    documentStringMap.set(result, (source as { toString(): string }).toString());
    return result;
  };

  /** envelop's validate: the hooks add rules, may set the validator or the result; their done hooks may replace it. */
  const validate = (context: Context, extendContext: Extend, document: DocumentNode): readonly GraphQLError[] | undefined => {
    let rules: unknown[] | undefined;
    let validateFn: Validate = () => engineMissing('validate');
    let result: readonly GraphQLError[] | null | undefined = null;
    const addValidationRule = (rule: unknown): void => {
      (rules ??= []).push(rule);
    };
    const setValidationFn = (next: Validate): void => {
      validateFn = next;
    };
    const setResult = (next: readonly GraphQLError[]): void => {
      result = next;
    };
    const done: DoneHook[] = [];
    for (const onValidate of validateHooks) {
      const params = { schema, documentAST: document, rules, typeInfo: undefined, options: undefined };
      const after = onValidate({ context, extendContext, params, validateFn, addValidationRule, setValidationFn, setResult });
      if (after) done.push(after);
    }
    result ||= validateFn(schema, document, rules, undefined, undefined);
    if (!result) return undefined;
    const valid = result.length === 0;
    for (const after of done) after({ valid, result, context, extendContext, setResult });
    return result;
  };

  /**
   * envelop's context factory: its hooks in turn (one may stop the rest), then their done hooks.
   * At once when every hook answers at once (the graph's do), else a promise.
   */
  const buildContext = (context: Context, extendContext: Extend): MaybePromise<Context> => {
    const done: DoneHook[] = [];
    let stopped = false;
    const breakContextBuilding = (): void => {
      stopped = true;
    };
    const hooksFrom = (from: number): MaybePromise<Context> => {
      for (let i = from; i < contextHooks.length; i++) {
        const after = contextHooks[i]!({ context, extendContext, breakContextBuilding });
        if (isPromise(after))
          return after.then((value) => {
            if (value) done.push(value);
            return stopped ? context : hooksFrom(i + 1);
          });
        if (after) done.push(after);
        if (stopped) return context;
      }
      return doneFrom(0);
    };
    const doneFrom = (from: number): MaybePromise<Context> => {
      for (let i = from; i < done.length; i++) {
        const returned = done[i]!({ context, extendContext });
        if (isPromise(returned)) return returned.then(() => doneFrom(i + 1));
      }
      return context;
    };
    // Yoga's masking is the context error handler it registers (`useMaskedErrors`).
    const masked = (error: unknown): never => {
      throw masking.maskError(error, masking.errorMessage || 'Unexpected error.');
    };
    try {
      const built = hooksFrom(0);
      return isPromise(built) ? built.catch(masked) : built;
    } catch (error) {
      return masked(error);
    }
  };

  /** envelop's execute: its hooks (one may answer instead), the executor, the done hooks, each part's. */
  const execute = async (args: ExecutionArgs): Promise<unknown> => {
    let executeFn: Execute = () => engineMissing('execute');
    let result: unknown;
    let stopped = false;
    const context = (args.contextValue ?? {}) as Context;
    const setExecuteFn = (next: Execute): void => {
      executeFn = next;
    };
    const setResultAndStopExecution = (next: unknown): void => {
      result = next;
      stopped = true;
    };
    const extendContext = (extension: unknown): void => {
      if (typeof extension === 'object') Object.assign(context, extension);
      else
        throw new Error(`Invalid context extension provided! Expected "object", got: "${JSON.stringify(extension)}" (${typeof extension})`);
    };
    const after: ExecuteHooks[] = [];
    for (const onExecute of executeHooks) {
      let returned = onExecute({ executeFn, setExecuteFn, setResultAndStopExecution, context, extendContext, args });
      if (isPromise(returned)) returned = await returned;
      if (returned) after.push(returned);
      if (stopped) break;
    }
    if (!result) {
      result = executeFn({ ...args, contextValue: context });
      if (isPromise(result)) result = await result;
    }
    const setResult = (next: unknown): void => {
      result = next;
    };
    const onNext: Hook[] = [];
    const onEnd: (() => void)[] = [];
    for (const each of after) {
      if (each.onExecuteDone === undefined) continue;
      let returned = each.onExecuteDone({ args, result, setResult });
      if (isPromise(returned)) returned = await returned;
      if (!returned) continue;
      if (returned.onNext) onNext.push(returned.onNext);
      if (returned.onEnd) onEnd.push(returned.onEnd);
    }
    if (onNext.length > 0 && isAsyncIterable(result))
      result = mapAsyncIterator(result, async (part: unknown) => {
        const setPart = (next: unknown): void => {
          part = next;
        };
        for (const hook of onNext) {
          const returned = hook({ args, result: part, setResult: setPart });
          if (isPromise(returned)) await returned;
        }
        return part;
      });
    if (onEnd.length > 0 && isAsyncIterable(result))
      result = finalAsyncIterator(result, () => {
        for (const hook of onEnd) hook();
      });
    return result;
  };

  /** Yoga's `processRequest`: parse, validate, the context, then execute (or subscribe). */
  const processRequest = (params: Params, context: Context): MaybePromise<Result> => {
    // The context's `extendContext` of the parse, validate and context phases, made once.
    const extendContext: Extend = (extension) => void Object.assign(context, extension);
    const document = parse(context, extendContext, params.query);
    // envelop's validate answers nothing when a validator answered nothing; Yoga then fails reading its length.
    const errors = validate(context, extendContext, document) as readonly GraphQLError[];
    if (errors.length > 0) return { errors };
    const built = buildContext(context, extendContext);
    return isPromise(built)
      ? built.then((contextValue) => executeWith(params, document, contextValue))
      : executeWith(params, document, built);
  };

  /** The rest of `processRequest`: the operation's arguments, and its executor. */
  const executeWith = (params: Params, document: DocumentNode, contextValue: Context): MaybePromise<Result> => {
    const args: ExecutionArgs = {
      schema,
      document,
      contextValue,
      variableValues: params.variables,
      operationName: params.operationName,
    };
    const operation = getOperationAST(document, params.operationName);
    // A subscription (none is served: validation refuses it) goes to envelop's own.
    const run = operation?.operation === OperationTypeNode.SUBSCRIPTION ? internals.getEnveloped(contextValue).subscribe : execute;
    return run(args) as MaybePromise<Result>;
  };

  /** Yoga's `handleParams`: the context gets the request and the parameters, what the phases throw is masked. */
  const handleParams: ParamsHandler = ({ request, context, params }) => {
    Object.assign(context, context.request === request ? { params } : { request, params });
    logger.debug(`Processing GraphQL Parameters`);
    let pending: MaybePromise<Result>;
    try {
      pending = processRequest(params, context);
    } catch (error) {
      return failed(error);
    }
    return isPromise(pending) ? pending.then(handled, failed) : handled(pending);
  };

  /** What the phases answered; an incremental answer's errors masked as they come, a cancellation as it is. */
  const handled = (result: Result): Result => {
    logger.debug(`Processing GraphQL Parameters done.`);
    if (!isAsyncIterable(result)) return result;
    return mapAsyncIterator(
      result,
      (part) => part,
      (error: unknown) => {
        if ((error as Error).name === 'AbortError') {
          logger.debug(`Request aborted`);
          throw error;
        }
        return { errors: errorsOf(error) };
      },
    );
  };

  const failed = (error: unknown): Result => ({ errors: errorsOf(error) });

  /** Yoga's `getResultForParams`: the parameter hooks, the operation, the execution-result hooks. */
  const run: OperationPath['run'] = async (params, request, context) => {
    let result: Result | undefined;
    let paramsHandler: ParamsHandler = yogaHandleParams;
    const setParams = (next: Params): void => {
      params = next;
    };
    const setParamsHandler = (next: ParamsHandler): void => {
      paramsHandler = next;
    };
    const setResult = (next: Result): void => {
      result = next;
    };
    for (const onParams of onParamsHooks) {
      const returned = onParams({ params, request, setParams, paramsHandler, setParamsHandler, setResult, fetchAPI, context });
      if (isPromise(returned)) await returned;
    }
    if (!result) {
      // Yoga's own unless a parameter hook set another.
      const handler = paramsHandler === yogaHandleParams ? handleParams : paramsHandler;
      result = await handler({ request, params, context });
    }
    if (onExecutionResultHooks.length > 0) {
      const setExecutionResult = (next: Result): void => {
        result = next;
      };
      for (const onExecutionResult of onExecutionResultHooks) {
        const returned = onExecutionResult({ result, setResult: setExecutionResult, request, context });
        if (isPromise(returned)) await returned;
      }
    }
    return result;
  };

  return { run, errorsOf };
}

/** Yoga's test for a cancelled request. */
function isAbortError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error?.constructor?.name === 'DOMException' &&
    ((error as Error).name === 'AbortError' || (error as Error).name === 'TimeoutError')
  );
}
