/**
 * The request pipeline: every plugin a GraphQL request meets, as stages listed by the phase they
 * first act in (server/pipeline.ts says how Yoga runs the phases, and checks each stage's `after`
 * as the app is built). Within a phase, the hooks run in the order of this list: who asks first
 * (authentication, then the rate limit: nothing reads a request's parameters before), then what
 * they ask (parameters, limits, cost), the document's validation, the execution's plugins, the
 * answer's errors and telemetry, and last the response's headers.
 */
import type { YogaLogger } from 'graphql-yoga';
import { useDeferStream } from '../execution/defer-stream.js';
import { useErrorModes } from '../execution/error-modes.js';
import { useValidationCache } from '../execution/validation-cache.js';
import { useCompiledExecution } from '../execution/compiled-execution.js';
import { useServiceCapabilities } from '../execution/service-capabilities.js';
import { useServedOperationTypes } from '../execution/operation-types.js';
import { useAuthentication, type TokenVerifier } from '../security/authentication.js';
import { useExposure } from '../security/exposure.js';
import { useOperationLimits } from '../security/operation-limits.js';
import { useDemandControl } from '../security/demand-control.js';
import { useCodedRefusals } from '../security/coded-refusals.js';
import { useGetParameters } from '../security/get-parameters.js';
import { useErrorHygiene } from '../security/error-hygiene.js';
import type { RateLimiter } from '../security/rate-limit.js';
import type { PersistedDocuments } from '../security/persisted-operations.js';
import { useVaryOnOrigin } from '../security/cors.js';
import { useAnswerCacheHeaders } from '../security/answer-cache-headers.js';
import type { GraphMetrics } from '../telemetry/metrics.js';
import type { GraphTracing } from '../telemetry/tracing.js';
import { useOperationTelemetry } from '../telemetry/operation-telemetry.js';
import { useUpstreamCallList } from '../telemetry/upstream-call-list.js';
import type { Config } from './config.js';
import { pluginsInOrder, type PipelinePlugin, type Stage } from './pipeline.js';

/** What the stages are built from: the settings and the process's parts they report to or read. */
export interface PluginParts {
  readonly config: Config;
  readonly metrics: GraphMetrics;
  readonly tracing: GraphTracing;
  readonly logger: YogaLogger;
  readonly verifier: TokenVerifier | undefined;
  readonly rateLimiter: RateLimiter;
  readonly persisted: PersistedDocuments;
}

export function graphPlugins(parts: PluginParts): PipelinePlugin[] {
  return pluginsInOrder([...whoAndWhat(parts), ...theDocument(), ...theAnswer(parts), ...theResponse()]);
}

/** Parse: who asks (nothing reads a request's parameters before it is authenticated), how often, what; and what it may cost. */
function whoAndWhat({ config, metrics, logger, verifier, rateLimiter, persisted }: PluginParts): Stage[] {
  const { limits, exposure } = config;
  return [
    {
      name: 'authentication',
      acts: ['parse'],
      why: 'verifies the token before anything reads the request; a refusal ends the parameter hooks, and counts against the IP',
      plugins: [useAuthentication(verifier, rateLimiter.chargeRefusal)],
    },
    {
      name: 'rate limit',
      acts: ['parse'],
      after: ['authentication'],
      why: 'counts per verified subject, which authentication stores, else per IP; a refusal ends the parameter hooks',
      plugins: [rateLimiter.plugin],
    },
    {
      name: 'GET parameters',
      acts: ['parse'],
      why:
        "a GET request's variables and extensions must be JSON objects; its documentId and onError join the parameters; " +
        'the first to read the parameters, once the caller is known and within its rate',
      plugins: [useGetParameters()],
    },
    {
      name: 'compiled execution',
      acts: ['execute'],
      why: 'a query runs compiled (graphql-jit) where the standard executor is not needed: no @defer, no introspection, PROPAGATE',
      plugins: [
        useCompiledExecution({
          enabled: config.compiledExecution,
          afterUses: config.compiledExecutionAfter,
          compiled: () => metrics.compiledOperation(),
        }),
      ],
    },
    {
      name: 'error modes',
      acts: ['parse', 'execute'],
      after: ['GET parameters'],
      why:
        'reads and checks onError (parameter, else header) before anything runs, including the one of a GET request, ' +
        'and decides the mode as the operation starts (execution/error-modes.ts)',
      plugins: [useErrorModes()],
    },
    {
      name: 'exposure',
      acts: ['request', 'parse', 'validate'],
      after: ['authentication', 'rate limit'],
      why:
        'persisted operations and automatic persisted queries (a refused caller registers and learns nothing), ' +
        'CSRF prevention, introspection and the subgraph SDL where they are off',
      plugins: useExposure(exposure, persisted),
    },
    {
      name: 'operation limits',
      acts: ['parse', 'validate', 'execute'],
      why: 'the body size, tokens, depth, aliases and directives, before the first resolver',
      plugins: useOperationLimits(limits),
    },
    {
      name: 'demand control',
      acts: ['execute'],
      after: ['operation limits'],
      why:
        "the operation's cost estimated with its variables before the first resolver, refused above MAX_COST (or measured); " +
        'its actual cost counted as lists resolve',
      plugins: [useDemandControl(limits, metrics, logger)],
    },
  ];
}

/** Validate: what the document may be, and the result kept with it (after every stage that adds a rule). */
function theDocument(): Stage[] {
  return [
    {
      name: 'served operation types',
      acts: ['validate'],
      why: 'a subscription is refused while the document is validated',
      plugins: [useServedOperationTypes()],
    },
    {
      name: 'service capabilities',
      acts: ['validate', 'execute'],
      after: ['compiled execution'],
      why: '`{ __service { capabilities } }` answers from a small schema of its own, in production too: its executor has the last word',
      plugins: [
        useServiceCapabilities([
          { identifier: 'graphql.onError', description: 'The onError request parameter (PROPAGATE, NULL, HALT) is honoured.' },
        ]),
      ],
    },
    {
      name: 'defer and stream',
      acts: ['validate', 'execute'],
      why: '@defer and @stream: the fast fields first, the slow ones as they come (incremental delivery)',
      plugins: [useDeferStream()],
    },
    {
      name: 'validation cache',
      acts: ['validate'],
      after: ['exposure', 'operation limits', 'served operation types', 'service capabilities', 'defer and stream'],
      why: "a document's validation result is kept with it, keyed by the rules the stages before it added: it must come after every one",
      plugins: [useValidationCache()],
    },
  ];
}

/** Result: the answer's errors and what is told about the operation. */
function theAnswer({ config, metrics, tracing, logger }: PluginParts): Stage[] {
  return [
    {
      name: 'error hygiene',
      acts: ['result'],
      why: "the last look at an answer's errors: no suggestions in production, no library internals, a code on every one",
      plugins: [useErrorHygiene({ hideSuggestions: !config.exposure.introspection })],
    },
    {
      name: 'telemetry',
      acts: ['execute', 'result'],
      after: ['error modes', 'error hygiene', 'operation limits', 'demand control'],
      why:
        'one span, metrics and one log line per operation: it reads the mode the error modes decided as the operation started, ' +
        'the codes error hygiene left, and counts an operation the limits refused before it ran as refused, not executed',
      plugins: [useOperationTelemetry({ tracing, metrics, logger })],
    },
    {
      name: 'upstream call list',
      acts: ['execute'],
      why: "the calls of the request in the answer's extensions, when asked for",
      plugins: [useUpstreamCallList()],
    },
  ];
}

/** Response: headers and bodies of what goes back. */
function theResponse(): Stage[] {
  return [
    {
      name: 'coded refusals',
      acts: ['response'],
      why: "yoga's bodiless refusals (404, 405, 406, 415) get a JSON body with a code; it acts on the response, wherever listed",
      plugins: [useCodedRefusals()],
    },
    {
      name: 'vary on origin',
      acts: ['response'],
      why: "answers vary by Origin, for caches (CORS itself is yoga's `cors` option)",
      plugins: [useVaryOnOrigin()],
    },
    {
      name: 'answer cache headers',
      acts: ['response'],
      why:
        'Cache-Control: private, no-store and Vary: Authorization: ' +
        "no cache between the graph and its client keeps one caller's answer for another",
      plugins: [useAnswerCacheHeaders()],
    },
  ];
}
