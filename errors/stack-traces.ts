/**
 * Errors that are answers, not reports of a bug, made without a stack trace.
 *
 * V8 captures the stack at every `new Error`, and graphql-js 16's `GraphQLError` captures it a
 * second time (`Error.captureStackTrace`) unless it copies its original error's, which it reads,
 * and V8 then formats: the costliest part of making an error, twice over with a fresh original
 * error (graphql/graphql-js#2800; graphql-js 17 no longer copies it). An upstream that fails fifty
 * fields of an answer made about five of them a field (ours, the located error, Yoga's two copies
 * as it serializes): most of the CPU of `users(ids:)` with the professional service down
 * (bench/JOURNAL.md).
 *
 * Made so: an upstream's failure (`UpstreamError`), the graph's own coded errors (graph-errors.ts:
 * refusals, bad input, limits), the error modes' non-null errors, the located errors of a compiled
 * query, and Yoga's copies as the fast path serializes an answer. Such an error's trace would only
 * ever show this graph's own plumbing: an upstream's failure is logged where it happens, with its
 * service and route, a refusal's cause is kept for the log, and a copy made for the answer is never
 * logged. A bug keeps its stack: it is thrown by the code that failed, not made here.
 */

/** What `make` returns, with no stack captured by the errors it creates (their `stack` is their first line). */
export function withoutStackTraces<T>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}
