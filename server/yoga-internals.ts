/**
 * What the fast path (fast-path.ts, operation-path.ts) reads of a Yoga instance beyond its public
 * API, in one function (`yogaInternals`): the plugins, whose hooks it calls itself; Yoga's own lists
 * of parameter and execution-result hooks, its `handleParams`, its envelop (for the schema and a
 * subscription), its error masking and its logger.
 *
 * Why read them at all: Yoga's public `handleRequest` for the same request costs markedly more CPU
 * (docs/benchmark.md, "The fast path"). Why it is safe: the versions of `graphql-yoga` and
 * `@envelop/core` are pinned exactly in package.json, and the fast path serves only when the installed
 * ones are those (`versionRefusal`). Another version, a Yoga that keeps these elsewhere, or a plugin
 * the fast path could not serve as Yoga does (one that instruments the phases, or sets the schema per
 * request with `onEnveloped`) turns it off: Yoga's own path serves every request, and the server
 * says why once at start.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ExecutionArgs, GraphQLSchema } from 'graphql';
import type { YogaServerInstance } from 'graphql-yoga';

// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- Yoga's own default: no user context beyond the server's
export type Yoga<ServerContext extends object = object> = YogaServerInstance<ServerContext, {}>;
export type Result = Awaited<ReturnType<Yoga['getResultForParams']>>;
export type Params = Parameters<Yoga['getResultForParams']>[0]['params'];
export type Context = Record<string, unknown>;
export type MaybePromise<T> = T | Promise<T>;
export type Execute = (args: ExecutionArgs) => MaybePromise<unknown>;
export type ParamsHandler = (payload: { request: Request; params: Params; context: Context }) => MaybePromise<Result>;

/**
 * A hook as envelop and Yoga call it: one payload, maybe something back. (What a hook returns is
 * kept as its done hook: every setter handed to one returns nothing, as envelop's do.)
 */
export type Hook<Payload = Record<string, unknown>, Returned = unknown> = (payload: Payload) => Returned;
export type DoneHook = Hook<Record<string, unknown>>;
export interface ExecuteHooks {
  onExecuteDone?: Hook<Record<string, unknown>, MaybePromise<ExecuteDone | void>>;
}
export interface ExecuteDone {
  onNext?: Hook;
  onEnd?: () => void;
}

/** A plugin's hooks that the fast path calls, as Yoga and envelop type them loosely. */
export interface PluginHooks {
  onRequestParse?: Hook;
  onResultProcess?: Hook;
  onResponse?: Hook;
  onParse?: Hook<Record<string, unknown>, DoneHook | void>;
  onValidate?: Hook<Record<string, unknown>, DoneHook | void>;
  onContextBuilding?: Hook<Record<string, unknown>, MaybePromise<DoneHook | void>>;
  onExecute?: Hook<Record<string, unknown>, MaybePromise<ExecuteHooks | void>>;
  onEnveloped?: unknown;
  instrumentation?: unknown;
}

export interface YogaInternals {
  /** Every plugin, Yoga's own and envelop's among them, in Yoga's order. */
  readonly plugins: readonly PluginHooks[];
  readonly onParamsHooks: readonly Hook[];
  readonly onExecutionResultHooks: readonly Hook[];
  /** Yoga's own (read once: Yoga's server adapter hands out a new bound function at every read of one). */
  readonly handleParams: ParamsHandler;
  readonly getEnveloped: (context: Context) => { schema: GraphQLSchema; subscribe: Execute };
  readonly maskedErrorsOpts: {
    readonly errorMessage: string;
    readonly isDev?: boolean;
    readonly maskError: (error: unknown, message: string, isDev?: boolean) => Error;
  };
  readonly logger: { debug: (message: string) => void; error: (error: unknown) => void };
}

/** Why the fast path must not serve these versions (Yoga's own path serves then), or undefined when it may. */
export function versionRefusal<ServerContext extends object>(yoga: Yoga<ServerContext>, pinned: PinnedVersions): string | undefined {
  const installed: PinnedVersions = { 'graphql-yoga': yoga.version, '@envelop/core': envelopVersionOf() };
  for (const name of PINNED) {
    if (!/^\d+\.\d+\.\d+$/.test(pinned[name])) return `${name} is not pinned to one version in package.json: ${pinned[name]}`;
    if (installed[name] !== pinned[name])
      return `${name} ${installed[name]} is installed, not ${pinned[name]}, the version package.json pins and the fast path was checked on`;
  }
  return undefined;
}

/** The libraries whose internals the fast path reads, each pinned to one version. */
const PINNED = ['graphql-yoga', '@envelop/core'] as const;
export type PinnedVersions = Readonly<Record<(typeof PINNED)[number], string>>;

/** The versions a package.json gives the pinned libraries. */
export function pinnedVersions(packageJsonPath: string): PinnedVersions {
  const { dependencies = {} } = JSON.parse(readFileSync(packageJsonPath, 'utf8')) as { dependencies?: Record<string, string> };
  return Object.fromEntries(PINNED.map((name) => [name, dependencies[name] ?? 'absent'])) as PinnedVersions;
}

/** The version of the envelop Yoga itself loads (resolved from Yoga's own folder). */
function envelopVersionOf(): string {
  const fromYoga = createRequire(createRequire(import.meta.url).resolve('graphql-yoga'));
  return (JSON.parse(readFileSync(fromYoga.resolve('@envelop/core/package.json'), 'utf8')) as { version: string }).version;
}

/** The one read of Yoga's non-public fields; throws when they are not there as the pinned version has them. */
export function yogaInternals<ServerContext extends object>(yoga: Yoga<ServerContext>): YogaInternals {
  const { plugins, onParamsHooks, onExecutionResultHooks, handleParams, getEnveloped, maskedErrorsOpts, logger } = yoga as unknown as Omit<
    YogaInternals,
    'plugins' | 'maskedErrorsOpts'
  > & {
    plugins: readonly (PluginHooks | undefined)[];
    maskedErrorsOpts: YogaInternals['maskedErrorsOpts'] | null;
  };
  // (Through `unknown`: `Array.isArray` would narrow a readonly list to `any[]`.)
  if (![plugins, onParamsHooks, onExecutionResultHooks].every((list: unknown) => Array.isArray(list)))
    throw new Error('yoga keeps its hooks elsewhere (see server/yoga-internals.ts)');
  if (maskedErrorsOpts === null) throw new Error('yoga masks no errors');
  const present = plugins.filter((plugin): plugin is PluginHooks => plugin != null);
  if (present.some((plugin) => plugin.onEnveloped !== undefined || plugin.instrumentation !== undefined))
    throw new Error('a plugin sets the schema per request or instruments the phases');
  return { plugins: present, onParamsHooks, onExecutionResultHooks, handleParams, getEnveloped, maskedErrorsOpts, logger };
}

type HookName = Exclude<keyof PluginHooks, 'onEnveloped' | 'instrumentation'>;

/** The plugins' hooks of one kind, in order, called as Yoga and envelop call them (unbound). */
export function hooksOf<Name extends HookName>(plugins: readonly PluginHooks[], name: Name): NonNullable<PluginHooks[Name]>[] {
  const hooks: NonNullable<PluginHooks[Name]>[] = [];
  for (const plugin of plugins) {
    const hook = plugin[name];
    if (hook !== undefined) hooks.push(hook);
  }
  return hooks;
}
