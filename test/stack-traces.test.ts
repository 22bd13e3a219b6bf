/**
 * Errors made as answers carry no stack (errors/stack-traces.ts), and nothing else loses one: the
 * limit comes back when the making ends, however it ends, so a bug thrown afterwards is logged
 * with its frames.
 */
import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { withoutStackTraces } from '../errors/stack-traces.js';

const FRAME = /\n\s+at /;

describe('errors without stack traces', () => {
  it('makes errors whose stack is their first line only', () => {
    const [plain, graphql] = withoutStackTraces(() => [new Error('made'), new GraphQLError('made', { extensions: { code: 'X' } })]);
    expect(plain.stack).toBe('Error: made');
    expect(graphql.stack).not.toMatch(FRAME);
    expect(graphql.stack).toContain('made');
  });

  it('gives the limit back when the making returns or throws', () => {
    const before = Error.stackTraceLimit;
    withoutStackTraces(() => new Error('made'));
    expect(Error.stackTraceLimit).toBe(before);
    expect(() =>
      withoutStackTraces(() => {
        throw new Error('failed while making');
      }),
    ).toThrow('failed while making');
    expect(Error.stackTraceLimit).toBe(before);
    expect(new Error('a bug').stack).toMatch(FRAME);
  });
});
