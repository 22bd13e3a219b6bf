/**
 * Fuzzing: 1,000 seeded random valid operations generated from the schema and 1,000
 * invalid ones made from them by small edits, against a graph with authentication on.
 * None may get a 5xx, an error without a code, an unmasked internal error, or hang.
 */
import { readFileSync } from 'node:fs';
import { buildSchema, parse, validate, type GraphQLError } from 'graphql';
import { expect, it } from 'vitest';
import { graphHarness } from './support/harness.js';
import { QueryFuzzer, type FuzzOperation } from './support/query-fuzzer.js';
import { bearer, HMAC_AUTH, hmacToken } from './support/tokens.js';
import { writeFakes } from './support/write-fakes.js';

const start = graphHarness();
const schema = buildSchema(readFileSync(new URL('../generated/schema.graphql', import.meta.url), 'utf8'));
const SEED = 20261122;
const COUNT = 1000;

/** The codes a client may meet on these operations; anything else is a finding. */
const EXPECTED_CODES = new Set([
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
  'OPERATION_LIMIT_EXCEEDED',
  'FORBIDDEN',
  'UNAUTHENTICATED',
]);

function isValid(operation: FuzzOperation): boolean {
  try {
    return validate(schema, parse(operation.query)).length === 0;
  } catch {
    return false;
  }
}

function operations(): { valid: FuzzOperation[]; invalid: FuzzOperation[] } {
  const fuzzer = new QueryFuzzer(schema, SEED);
  const valid: FuzzOperation[] = [];
  const invalid: FuzzOperation[] = [];
  while (valid.length < COUNT) valid.push(fuzzer.valid());
  for (let i = 0; invalid.length < COUNT; i++) {
    const mutated = fuzzer.mutate(valid[i % COUNT]!);
    if (!isValid(mutated)) invalid.push(mutated);
  }
  return { valid, invalid };
}

interface Finding {
  readonly query: string;
  readonly problem: string;
}

it('1,000 random valid and 1,000 mutated invalid operations: no 5xx, no unmasked error, no hang', { timeout: 120_000 }, async () => {
  const { valid, invalid } = operations();
  // The generator itself is checked: what it calls valid is valid.
  expect(valid.filter((operation) => !isValid(operation))).toEqual([]);

  const write = writeFakes();
  const { graph } = await start(write.handlers, HMAC_AUTH);
  const auth = bearer(await hmacToken('u1'));
  const findings: Finding[] = [];

  const send = async (operation: FuzzOperation, expectValid: boolean): Promise<void> => {
    let response: Response;
    try {
      response = await fetch(`${graph.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...auth },
        body: JSON.stringify(operation),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      findings.push({ query: operation.query, problem: `no answer: ${String(error)}` });
      return;
    }
    const text = await response.text();
    if (response.status >= 500) findings.push({ query: operation.query, problem: `HTTP ${response.status}: ${text}` });
    let body: { errors?: (GraphQLError & { extensions?: Record<string, unknown> })[] };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      findings.push({ query: operation.query, problem: `not JSON: ${text.slice(0, 200)}` });
      return;
    }
    for (const error of body.errors ?? []) {
      const code = error.extensions?.code;
      if (typeof code !== 'string' || !EXPECTED_CODES.has(code))
        findings.push({ query: operation.query, problem: `code ${String(code)}: ${error.message}` });
      if (/Unexpected error|\n\s+at |stack/i.test(JSON.stringify(error)))
        findings.push({ query: operation.query, problem: `unmasked: ${JSON.stringify(error)}` });
      if (expectValid && (code === 'GRAPHQL_PARSE_FAILED' || code === 'GRAPHQL_VALIDATION_FAILED')) {
        findings.push({ query: operation.query, problem: `valid operation refused: ${error.message}` });
      }
    }
  };

  // Twenty at a time: enough concurrency to mix them, bounded.
  const all = [...valid.map((operation) => [operation, true] as const), ...invalid.map((operation) => [operation, false] as const)];
  for (let i = 0; i < all.length; i += 20)
    await Promise.all(all.slice(i, i + 20).map(([operation, expectValid]) => send(operation, expectValid)));

  expect(findings.slice(0, 10)).toEqual([]);
  const after = await graph.query('{ me { id } }', {}, auth);
  expect(after.body).toEqual({ data: { me: { id: 'u1' } } });
});
