/**
 * What is told about one GraphQL operation to whoever records it (the tracer's span, the
 * metrics): read once by the operation telemetry plugin, shared by both.
 */
export interface OperationInfo {
  readonly name: string | undefined;
  /** `query`, `mutation`, `subscription`, or `unknown`. */
  readonly type: string;
}

export interface OperationSummary {
  /** `success`, `partial` (data with errors) or `error` (no data). */
  readonly outcome: 'success' | 'partial' | 'error';
  readonly errorCodes: readonly string[];
}
