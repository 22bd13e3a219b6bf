/**
 * OpenTelemetry traces: one span per GraphQL operation (its name, type and outcome), a child
 * per attempt at an upstream call (service, route template, status, attempt, batch size,
 * cache hit) and one per DataLoader batch. W3C `traceparent` is accepted from clients and
 * sent to the upstreams, so a trace goes through the graph into the services.
 *
 * Exported over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, nowhere by default; a
 * test hands in an in-memory exporter. Parents are passed explicitly (the operation's
 * context travels in the request scope), so no global context manager is needed.
 */
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NOTHING, UNOBSERVED, type CallHandle, type CallObserver, type UpstreamCallStart } from '../datasources/call-observer.js';
import type { OperationInfo, OperationSummary } from './operation-record.js';

const propagator = new W3CTraceContextPropagator();

export interface TracingOptions {
  /** Where spans go: an OTLP/HTTP endpoint, or (tests) an exporter. Neither: nowhere. */
  readonly otlpEndpoint?: string | undefined;
  readonly exporter?: SpanExporter | undefined;
}

export class GraphTracing implements CallObserver {
  private readonly provider: BasicTracerProvider | undefined;
  private readonly tracer: Tracer | undefined;

  constructor(options: TracingOptions) {
    const processors = [
      ...(options.exporter === undefined ? [] : [new SimpleSpanProcessor(options.exporter)]),
      ...(options.otlpEndpoint === undefined
        ? []
        : [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.otlpEndpoint.replace(/\/$/, '')}/v1/traces` }))]),
    ];
    if (processors.length === 0) return;
    this.provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ 'service.name': 'rest-graph' }),
      spanProcessors: processors,
    });
    this.tracer = this.provider.getTracer('rest-graph');
  }

  get enabled(): boolean {
    return this.tracer !== undefined;
  }

  callStarted(call: UpstreamCallStart): CallHandle {
    const parent = call.trace as Context | undefined;
    if (parent === undefined) return UNOBSERVED;
    // No spans made here: the caller's trace context passes through unchanged, as
    // OpenTelemetry's API does without an SDK, so the services' spans still join the caller's trace.
    if (this.tracer === undefined) return { headers: injected(parent), end: NOTHING };
    const span = this.tracer.startSpan(
      `${call.method} ${call.service} ${call.route}`,
      {
        kind: SpanKind.CLIENT,
        attributes: {
          'upstream.service': call.service,
          'http.route': call.route,
          'http.request.method': call.method,
          'upstream.attempt': call.attempt,
          ...(call.batchSize === undefined ? {} : { 'upstream.batch_size': call.batchSize }),
        },
      },
      parent,
    );
    return {
      headers: injected(trace.setSpan(parent, span)),
      end: (end) => {
        if (end.status !== undefined) span.setAttribute('http.response.status_code', end.status);
        span.setAttribute('upstream.cache_hit', end.cacheHit);
        span.setAttribute('upstream.outcome', end.outcome);
        if (end.outcome !== 'ok') span.setStatus({ code: SpanStatusCode.ERROR, message: end.outcome });
        span.end();
      },
    };
  }

  batchDispatched(loader: string, size: number, trace: unknown): () => void {
    const parent = trace as Context | undefined;
    if (this.tracer === undefined || parent === undefined) return () => undefined;
    const span = this.tracer.startSpan(
      `dataloader ${loader}`,
      { attributes: { 'dataloader.name': loader, 'dataloader.batch_size': size } },
      parent,
    );
    return () => span.end();
  }

  /**
   * The operation's span, continuing the caller's trace (`traceparent`); it becomes the
   * parent of the request's upstream spans. The function returned ends it.
   */
  operationStarted(
    { name, type, errorMode }: OperationInfo,
    headers: Headers,
    scope: { readonly requestId: string; readonly trace: { parent?: unknown } },
  ): (summary: OperationSummary) => void {
    const incoming = propagator.extract(ROOT_CONTEXT, headers, {
      get: (carrier, key) => (carrier as Headers).get(key) ?? undefined,
      keys: () => [],
    });
    if (this.tracer === undefined) {
      // Passed through to the upstream calls as it came (nothing when the caller sent none).
      if (trace.getSpanContext(incoming) !== undefined) scope.trace.parent = incoming;
      return () => undefined;
    }
    const span: Span = this.tracer.startSpan(
      name === undefined ? `graphql ${type}` : `graphql ${type} ${name}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'graphql.operation.type': type,
          ...(name === undefined ? {} : { 'graphql.operation.name': name }),
          'graphql.on_error': errorMode,
          'request.id': scope.requestId,
        },
      },
      incoming,
    );
    scope.trace.parent = trace.setSpan(incoming, span);
    return ({ outcome, errorCodes, halt, cost }) => {
      span.setAttribute('graphql.outcome', outcome);
      // Apollo Router's attribute names for the same figures.
      if (cost !== undefined) {
        span.setAttribute('cost.estimated', cost.estimated);
        span.setAttribute('cost.actual', cost.actual);
      }
      if (halt !== undefined) {
        span.setAttribute('graphql.halted', true);
        span.setAttribute('graphql.halt.cancelled_calls', halt.cancelledCalls);
      }
      if (errorCodes.length > 0) {
        span.setAttribute('graphql.error_codes', [...errorCodes]);
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorCodes.join(',') });
      }
      span.end();
    };
  }

  async shutdown(): Promise<void> {
    await this.provider?.shutdown();
  }
}

/** `traceparent` (and `tracestate`) for a call made within `context`. */
function injected(context: Context): Record<string, string> {
  const headers: Record<string, string> = {};
  propagator.inject(context, headers, { set: (carrier, key, value) => void ((carrier as Record<string, string>)[key] = value) });
  return headers;
}
