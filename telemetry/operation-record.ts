/**
 * What is told about one GraphQL operation to whoever records it (the tracer's span, the
 * metrics): read once by the operation telemetry plugin, shared by both.
 */
import type { ErrorMode } from '../errors/error-mode.js';

export interface OperationInfo {
  readonly name: string | undefined;
  /** `query`, `mutation`, `subscription`, or `unknown`. */
  readonly type: string;
  /** What a field error does in it (`onError`). */
  readonly errorMode: ErrorMode;
}

export interface OperationSummary {
  /** `success`, `partial` (data with errors) or `error` (no data). */
  readonly outcome: 'success' | 'partial' | 'error';
  readonly errorCodes: readonly string[];
  /** `HALT`, when the operation halted: how many upstream calls the halt cut short. */
  readonly halt?: { readonly cancelledCalls: number };
  /** Its cost (security/demand-control.ts): estimated before it ran, and actual once its lists came back. */
  readonly cost?: { readonly estimated: number; readonly actual: number };
}
