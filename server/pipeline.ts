/**
 * The request pipeline: every plugin a GraphQL request meets, in the order yoga runs its hooks.
 *
 * Yoga runs a request phase by phase, and within a phase the hooks of the plugins in the order
 * of this list:
 *
 *   request (onRequest) → parse (onRequestParse, onParams, onParse) → validate (onValidate)
 *     → context (the context factory) → execute (onExecute, onExecuteDone) → result
 *     (onResultProcess) → response (onResponse)
 *
 * So a plugin's place in the list matters only against the plugins that act in the same phase.
 * Where one plugin hands data to another through that order, the later one says so in `after`,
 * and `pluginsInOrder` refuses a list that breaks it (the server does not start; a test shows it).
 *
 * The fast path (fast-path.ts) runs these same phases for a `POST /graphql` of JSON, all but
 * the request phase: Yoga's `onRequest` hooks answer other routes and methods (health, GraphiQL,
 * CORS preflight, 404) and none acts on such a request. A plugin that must see every request
 * acts in the parse phase or later.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { YogaServerOptions } from 'graphql-yoga';
import type { GraphContext } from './context.js';

/** A plugin of the pipeline, as yoga's `plugins` option takes it for the graph's server and context. */
export type PipelinePlugin = NonNullable<YogaServerOptions<{ req: IncomingMessage; res: ServerResponse }, GraphContext>['plugins']>[number];

export type Phase = 'request' | 'parse' | 'validate' | 'context' | 'execute' | 'result' | 'response';

export interface Stage {
  readonly name: string;
  /** The phases in which its hooks act. */
  readonly acts: readonly Phase[];
  /** What it does, and why it is where it is. */
  readonly why: string;
  /** The stages that must come before it in the list: they hand it what it reads. */
  readonly after?: readonly string[];
  readonly plugins: readonly PipelinePlugin[];
}

/** The stages' plugins, in order; throws, naming the rule, when a stage comes before one it must follow. */
export function pluginsInOrder(stages: readonly Stage[]): PipelinePlugin[] {
  const seen = new Set<string>();
  for (const stage of stages) {
    for (const earlier of stage.after ?? []) {
      if (!stages.some((other) => other.name === earlier))
        throw new Error(`request pipeline: "${stage.name}" follows "${earlier}", which is not in it`);
      if (!seen.has(earlier)) throw new Error(`request pipeline: "${stage.name}" must come after "${earlier}": ${stage.why}`);
    }
    seen.add(stage.name);
  }
  return stages.flatMap((stage) => stage.plugins);
}
