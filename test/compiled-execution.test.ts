/**
 * Compiled execution (graphql-jit) answers exactly as the standard executor does: two graphs
 * over the same fakes, one with COMPILED_EXECUTION on (the default) and one with it off, asked
 * the same operations: the example operations, error cases (failing services, bad arguments,
 * bubbling nulls, missing and defaulted variables) and 300 seeded random valid operations of the
 * fuzz corpus. Each pair of answers must have the same status, content type, data and errors
 * (message, locations, path, extensions). Errors are compared as a set: which of two services
 * that fail in one operation answers first is up to the network, whatever the engine.
 */
import { readFileSync } from 'node:fs';
import { buildSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { startContractFakes } from './support/contract-fakes.js';
import { ERROR_CASES, EXAMPLES, faulty } from './support/differential-cases.js';
import { startGraph, type GraphServer } from './support/graph.js';
import { QueryFuzzer } from './support/query-fuzzer.js';

const schema = buildSchema(readFileSync(new URL('../generated/schema.graphql', import.meta.url), 'utf8'));
interface Normalized {
  status: number;
  /** The answer's keys in the order sent (`errors` before `data`, as graphql-js writes them). */
  keys: string[];
  type: string | null;
  data: unknown;
  errors: string[];
}

async function ask(graph: GraphServer, body: object): Promise<Normalized> {
  const response = await fetch(`${graph.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as { data?: unknown; errors?: unknown[] };
  const { data, errors } = answer;
  return {
    status: response.status,
    keys: Object.keys(answer),
    type: response.headers.get('content-type'),
    data,
    errors: (errors ?? []).map((error) => JSON.stringify(error)).sort(),
  };
}

async function pair(): Promise<{ compiled: GraphServer; standard: GraphServer; close: () => Promise<void> }> {
  const fakes = await startContractFakes(faulty);
  const env = { UPSTREAM_RETRY_BASE_DELAY_MS: '1', UPSTREAM_MAX_RETRIES: '0' };
  // Every document compiled at its first run, so that each answer compared is a compiled one.
  const compiled = await startGraph(fakes.urls, { ...env, COMPILED_EXECUTION_AFTER: '0' });
  const standard = await startGraph(fakes.urls, { ...env, COMPILED_EXECUTION: 'off' });
  return {
    compiled,
    standard,
    close: async () => {
      await Promise.all([compiled.close(), standard.close()]);
      await fakes.close();
    },
  };
}

describe('compiled execution', () => {
  it('answers the example operations and the error cases as the standard executor does', async () => {
    const { compiled, standard, close } = await pair();
    try {
      const bodies = [
        ...EXAMPLES.flatMap((query) => [{ query }, { query, variables: { id: 'u2' } }, { query, variables: { id: 'u3' } }]),
        ...ERROR_CASES,
        { ...ERROR_CASES.find((body) => body.query.startsWith('query One'))!, operationName: 'Two' },
      ];
      for (const body of bodies) expect([body, await ask(compiled, body)]).toEqual([body, await ask(standard, body)]);
      // The cases do reach errors of every kind, and a null that bubbles to the root, or this test would prove little.
      const answers = await Promise.all(ERROR_CASES.map((body) => ask(standard, body)));
      const all = answers.flatMap((answer) => answer.errors).join();
      for (const part of ['UPSTREAM_UNAVAILABLE', 'UPSTREAM_BAD_RESPONSE', 'BAD_USER_INPUT', '"locations"', '"path"'])
        expect(all).toContain(part);
      expect(answers.some((answer) => answer.data === null && answer.errors.length > 0)).toBe(true);
    } finally {
      await close();
    }
  });

  it('answers 300 seeded random operations of the fuzz corpus as the standard executor does', { timeout: 60_000 }, async () => {
    const { compiled, standard, close } = await pair();
    try {
      const fuzzer = new QueryFuzzer(schema, 20261202);
      let asked = 0;
      while (asked < 300) {
        const operation = fuzzer.valid();
        if (operation.query.startsWith('mutation')) continue;
        asked += 1;
        expect([operation, await ask(compiled, operation)]).toEqual([operation, await ask(standard, operation)]);
      }
    } finally {
      await close();
    }
  });
});
