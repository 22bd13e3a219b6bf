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
 * What turns the fast path off at start (server/yoga-internals.ts), so that nothing is silently
 * skipped: versions of Yoga or envelop other than the pinned ones, a plugin with `onEnveloped` (it may
 * change the schema a request at a time), or one that instruments the phases. Context errors go
 * through Yoga's masking, the one context error handler Yoga registers (`useMaskedErrors`): envelop
 * keeps the list to itself, so a plugin of our own must not register another (none does).
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

/**
 * One operation, top to bottom: `run` (Yoga's `getResultForParams`) calls `handleParams`, which runs
 * `processRequest`: `parse`, `validate`, `buildContext`, then `execute`; `errorsOf` is Yoga's
 * `handleError`. Each method is one of Yoga's or envelop's functions, named as theirs are.
 */
export class OperationPath {
  private readonly parseHooks;
  private readonly validateHooks;
  private readonly contextHooks;
  private readonly executeHooks;
  /**
   * The schema as the plugins left it at start (`useSchema`, then every `onSchemaChange`): with no
   * `onEnveloped` (refused at start), nothing changes it afterwards.
   */
  private readonly schema: GraphQLSchema;

  constructor(
    private readonly internals: YogaInternals,
    private readonly fetchAPI: Yoga['fetchAPI'],
  ) {
    const { plugins } = internals;
    this.parseHooks = hooksOf(plugins, 'onParse');
    this.validateHooks = hooksOf(plugins, 'onValidate');
    this.contextHooks = hooksOf(plugins, 'onContextBuilding');
    this.executeHooks = hooksOf(plugins, 'onExecute');
    this.schema = internals.getEnveloped({}).schema;
  }

  /** Yoga's `getResultForParams`: the parameter hooks, the operation, the execution-result hooks. */
  readonly run = async (params: Params, request: Request, context: Context): Promise<Result> => {
    const { onParamsHooks, onExecutionResultHooks, handleParams: yogaHandleParams } = this.internals;
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
    const { fetchAPI } = this;
    for (const onParams of onParamsHooks) {
      const returned = onParams({ params, request, setParams, paramsHandler, setParamsHandler, setResult, fetchAPI, context });
      if (isPromise(returned)) await returned;
    }
    // Yoga's own handler (run here) unless a parameter hook set another.
    if (!result) result = await (paramsHandler === yogaHandleParams ? this.handleParams : paramsHandler)({ request, params, context });
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

  /** Yoga's `handleParams`: the context gets the request and the parameters, what the phases throw is masked. */
  private readonly handleParams: ParamsHandler = ({ request, context, params }) => {
    Object.assign(context, context.request === request ? { params } : { request, params });
    this.internals.logger.debug(`Processing GraphQL Parameters`);
    let pending: MaybePromise<Result>;
    try {
      pending = this.processRequest(params, context);
    } catch (error) {
      return this.failed(error);
    }
    return isPromise(pending) ? pending.then(this.handled, this.failed) : this.handled(pending);
  };

  /** Yoga's `processRequest`: parse, validate, the context, then execute (or subscribe). */
  private processRequest(params: Params, context: Context): MaybePromise<Result> {
    // The context's `extendContext` of the parse, validate and context phases, made once.
    const extendContext: Extend = (extension) => void Object.assign(context, extension);
    const document = this.parse(context, extendContext, params.query);
    // envelop's validate answers nothing when a validator answered nothing; Yoga then fails reading its length.
    const errors = this.validate(context, extendContext, document) as readonly GraphQLError[];
    if (errors.length > 0) return { errors };
    const built = this.buildContext(context, extendContext);
    return isPromise(built)
      ? built.then((contextValue) => this.executeWith(params, document, contextValue))
      : this.executeWith(params, document, built);
  }

  /** envelop's parse: the hooks may set the parser, or the document itself; their done hooks may replace it. */
  private parse(context: Context, extendContext: Extend, source: unknown): DocumentNode {
    let result: DocumentNode | Error | null = null;
    let parseFn: Parse = () => engineMissing('parse');
    const setParseFn = (next: Parse): void => {
      parseFn = next;
    };
    const setParsedDocument = (next: DocumentNode): void => {
      result = next;
    };
    const done: DoneHook[] = [];
    for (const onParse of this.parseHooks) {
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
  }

  /** envelop's validate: the hooks add rules, may set the validator or the result; their done hooks may replace it. */
  private validate(context: Context, extendContext: Extend, document: DocumentNode): readonly GraphQLError[] | undefined {
    const { schema } = this;
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
    for (const onValidate of this.validateHooks) {
      const params = { schema, documentAST: document, rules, typeInfo: undefined, options: undefined };
      const after = onValidate({ context, extendContext, params, validateFn, addValidationRule, setValidationFn, setResult });
      if (after) done.push(after);
    }
    result ||= validateFn(schema, document, rules, undefined, undefined);
    if (!result) return undefined;
    const valid = result.length === 0;
    for (const after of done) after({ valid, result, context, extendContext, setResult });
    return result;
  }

  /**
   * envelop's context factory: its hooks in turn (one may stop the rest), then their done hooks.
   * At once when every hook answers at once (the graph's do), else a promise. What they throw goes
   * through Yoga's masking, the one context error handler Yoga registers (`useMaskedErrors`).
   */
  private buildContext(context: Context, extendContext: Extend): MaybePromise<Context> {
    const { contextHooks } = this;
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
    const { maskedErrorsOpts: masking } = this.internals;
    const masked = (error: unknown): never => {
      throw masking.maskError(error, masking.errorMessage || 'Unexpected error.');
    };
    try {
      const built = hooksFrom(0);
      return isPromise(built) ? built.catch(masked) : built;
    } catch (error) {
      return masked(error);
    }
  }

  /** The rest of `processRequest`: the operation's arguments, and its executor. */
  private executeWith(params: Params, document: DocumentNode, contextValue: Context): MaybePromise<Result> {
    const args: ExecutionArgs = {
      schema: this.schema,
      document,
      contextValue,
      variableValues: params.variables,
      operationName: params.operationName,
    };
    const operation = getOperationAST(document, params.operationName);
    // A subscription (none is served: validation refuses it) goes to envelop's own.
    if (operation?.operation === OperationTypeNode.SUBSCRIPTION)
      return this.internals.getEnveloped(contextValue).subscribe(args) as MaybePromise<Result>;
    return this.execute(args) as Promise<Result>;
  }

  /** envelop's execute: its hooks (one may answer instead), the executor, then what the hooks do after. */
  private async execute(args: ExecutionArgs): Promise<unknown> {
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
    for (const onExecute of this.executeHooks) {
      let returned = onExecute({ executeFn, setExecuteFn, setResultAndStopExecution, context, extendContext, args });
      if (isPromise(returned)) returned = await returned;
      if (returned) after.push(returned);
      if (stopped) break;
    }
    if (!result) {
      result = executeFn({ ...args, contextValue: context });
      if (isPromise(result)) result = await result;
    }
    return after.length === 0 ? result : executeDone(args, result, after);
  }

  /** What the phases answered; an incremental answer's errors masked as they come, a cancellation as it is. */
  private readonly handled = (result: Result): Result => {
    const { logger } = this.internals;
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
        return { errors: this.errorsOf(error) };
      },
    );
  };

  private readonly failed = (error: unknown): Result => ({ errors: this.errorsOf(error) });

  /** Yoga's `handleError`, with masking on (it always is here): what a phase threw, as the errors of an answer. */
  readonly errorsOf = (error: unknown): GraphQLError[] => {
    const { maskedErrorsOpts: masking, logger } = this.internals;
    const errors = new Set<GraphQLError>();
    if (error != null && typeof error === 'object' && 'errors' in error) {
      for (const each of error.errors as unknown[]) for (const handled of this.errorsOf(each)) errors.add(handled);
    } else if (isAbortError(error)) {
      logger.debug('Request aborted');
    } else {
      const masked = masking.maskError(error, masking.errorMessage, masking.isDev);
      if (masked !== error) logger.error(error);
      errors.add(masked instanceof GraphQLError ? masked : createGraphQLError(masked.message, { originalError: masked }));
    }
    return [...errors];
  };
}

/** envelop's execute, after the executor: the hooks' done hooks, then each part's `onNext` and the end's `onEnd`. */
async function executeDone(args: ExecutionArgs, executed: unknown, after: readonly ExecuteHooks[]): Promise<unknown> {
  let result = executed;
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
}

/** Yoga's test for a cancelled request. */
function isAbortError(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error?.constructor?.name === 'DOMException' &&
    ((error as Error).name === 'AbortError' || (error as Error).name === 'TimeoutError')
  );
}
