/**
 * The fast path (server/fast-path.ts) answers exactly as Yoga does: two graphs over the same
 * fakes, one with FAST_PATH on (the default) and one with it off, asked the same requests: the
 * example operations and the error cases, the HTTP-level cases (malformed bodies, batches,
 * content negotiation, incremental delivery, onError, persisted operations, CORS), the same in
 * production with authentication, and the HTTP fuzz corpus on raw sockets. Each pair of answers
 * must have the same status, the same headers (but `date`) and the same body, byte for byte; the
 * one allowance is the order of errors from upstream calls made at the same time, which is up to
 * the network whichever path serves. What the graphs tell of the operations must be alike too:
 * each operation's log line, and the operation metrics.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../demo/seeded-random.js';
import { startContractFakes } from './support/contract-fakes.js';
import { ERROR_CASES, EXAMPLES, faulty } from './support/differential-cases.js';
import { startGraph, type GraphServer } from './support/graph.js';
import { exchange, firstAnswer, requestBytes } from './support/http-fuzz-requests.js';
import { HMAC_AUTH, hmacToken } from './support/tokens.js';
import { createGraphLogger } from '../telemetry/logger.js';
import type { YogaLogger } from 'graphql-yoga';

const APP_ORIGIN = 'http://app.example.test';

interface Exchange {
  readonly headers?: Record<string, string>;
  readonly body: string;
}

interface Answer {
  status: number;
  headers: string[];
  body: string;
}

/** The answer as compared: every header but `date`, sorted; the body as sent. */
async function ask(graph: GraphServer, { headers = {}, body }: Exchange, n: number): Promise<Answer> {
  const response = await fetch(`${graph.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': `case-${n}`, ...headers },
    body,
  });
  return {
    status: response.status,
    headers: [...response.headers].filter(([name]) => name !== 'date').map(([name, value]) => `${name}: ${value}`),
    body: await response.text(),
  };
}

/** Bodies alike, or alike but for the order of their errors (concurrent upstream failures). */
function comparable(answer: Answer): Answer {
  try {
    const parsed = JSON.parse(answer.body) as { errors?: unknown[] };
    if (parsed.errors === undefined) return answer;
    const errors = parsed.errors.map((error) => JSON.stringify(error)).sort();
    return { ...answer, body: JSON.stringify({ ...parsed, errors }) };
  } catch {
    return answer;
  }
}

/** What a graph tells of its operations: each one's log line (but its time and duration), in order. */
function operationLog(): { logger: YogaLogger; lines: unknown[] } {
  const lines: unknown[] = [];
  const logger = createGraphLogger('info', {
    write: (chunk: string) => {
      const { time: _time, durationMs: _duration, ...line } = JSON.parse(chunk) as Record<string, unknown>;
      if (line.msg === 'graphql operation') lines.push(line);
    },
  });
  return { logger, lines };
}

/** The series the operation phases feed (not durations, but how many were observed). */
const OPERATION_SERIES =
  /^(graphql_operations_total|graphql_errors_total|graphql_halts_total|graphql_operation_duration_seconds_count)\b.*$/gm;

async function pair(env: Record<string, string> = {}) {
  const fakes = await startContractFakes(faulty);
  const settings = { UPSTREAM_RETRY_BASE_DELAY_MS: '1', UPSTREAM_MAX_RETRIES: '0', CORS_ORIGINS: APP_ORIGIN, ...env };
  const [fastLog, yogaLog] = [operationLog(), operationLog()];
  const fast = await startGraph(fakes.urls, settings, { logger: fastLog.logger });
  const yoga = await startGraph(fakes.urls, { ...settings, FAST_PATH: 'off' }, { logger: yogaLog.logger });
  let n = 0;
  return {
    fast,
    yoga,
    /** Asks both the same, one after the other, and expects the same answer. */
    expectAlike: async (exchange: Exchange): Promise<Answer> => {
      n += 1;
      const [mine, theirs] = [await ask(fast, exchange, n), await ask(yoga, exchange, n)];
      const [a, b] = mine.body === theirs.body ? [mine, theirs] : [comparable(mine), comparable(theirs)];
      expect([exchange, a]).toEqual([exchange, b]);
      return mine;
    },
    /** Both graphs logged the same operations, alike, and counted them alike. */
    expectToldAlike: async () => {
      expect(fastLog.lines.length).toBeGreaterThan(0);
      expect(fastLog.lines).toEqual(yogaLog.lines);
      const series = async (graph: GraphServer) => (await (await fetch(`${graph.url}/metrics`)).text()).match(OPERATION_SERIES);
      const [mine, theirs] = [await series(fast), await series(yoga)];
      expect(mine?.length).toBeGreaterThan(3);
      expect(mine).toEqual(theirs);
    },
    fastPathRequests: async (graph: GraphServer) => {
      const text = await (await fetch(`${graph.url}/metrics`)).text();
      return Number(/^graphql_fast_path_requests_total (\d+)/m.exec(text)?.[1]);
    },
    close: async () => {
      await Promise.all([fast.close(), yoga.close()]);
      await fakes.close();
    },
  };
}

const json = (body: unknown, headers: Record<string, string> = {}): Exchange => ({ body: JSON.stringify(body), headers });
const GRAPHQL_RESPONSE = { accept: 'application/graphql-response+json' };
const persisted = Object.keys(
  JSON.parse(readFileSync(new URL('../generated/client/persisted-documents.json', import.meta.url), 'utf8')) as object,
);
const DEFERRED = '{ user(id: "u1") { id ... @defer { professional { title } } } }';

/** Requests whose answers depend on the HTTP layer: every one is asked of both paths. */
const HTTP_CASES: Exchange[] = [
  { body: '{"query":"{ __typename }"', headers: GRAPHQL_RESPONSE },
  { body: 'null' },
  { body: '"a string"' },
  { body: '42' },
  { body: '[]' },
  { body: '[{"query":"{ __typename }"}]' },
  { body: '' },
  json({ query: 1 }),
  json({ query: '{ __typename }', variables: 'not an object' }),
  json({ query: '{ __typename }', extensions: [] }),
  json({ query: '{ user(id: "u1") { nam } }' }),
  json({ query: '{ __typename }' }, { accept: 'application/json' }),
  json({ query: '{ __typename }' }, { accept: '*/*' }),
  json({ query: '{ __typename }' }, { accept: 'text/html' }),
  json({ query: '{ nope }' }, { accept: 'application/json' }),
  json({ query: DEFERRED }, { accept: 'multipart/mixed' }),
  json({ query: DEFERRED }, { accept: 'text/event-stream' }),
  json({ query: DEFERRED }, GRAPHQL_RESPONSE),
  json({ query: '{ user(id: "u2") { id professional { title } } }', onError: 'NULL' }, GRAPHQL_RESPONSE),
  json({ query: '{ user(id: "u2") { id professional { title } } }', onError: 'HALT' }, GRAPHQL_RESPONSE),
  json({ query: '{ __typename }', onError: 'SOMETIMES' }, GRAPHQL_RESPONSE),
  json({ query: '{ __typename }' }, { ...GRAPHQL_RESPONSE, 'x-graphql-on-error': 'NULL' }),
  json({ query: 'mutation { placeOrder }' }, GRAPHQL_RESPONSE),
  json({ query: 'subscription { nothing }' }, GRAPHQL_RESPONSE),
  json({ query: '{ __schema { queryType { name } } }' }, GRAPHQL_RESPONSE),
  json({ documentId: persisted[0], variables: { id: 'u1' } }, GRAPHQL_RESPONSE),
  json({ documentId: 'sha256:zz' }, GRAPHQL_RESPONSE),
  json({ query: '{ __typename }', documentId: persisted[0] }, GRAPHQL_RESPONSE),
  json({ extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } }, GRAPHQL_RESPONSE),
  json({ query: '{ __typename }' }, { 'content-type': 'application/json; charset=utf-8', ...GRAPHQL_RESPONSE }),
  json({ query: '{ __typename }' }, { origin: APP_ORIGIN, ...GRAPHQL_RESPONSE }),
  json({ query: '{ __typename }' }, { origin: 'https://elsewhere.example', ...GRAPHQL_RESPONSE }),
  // Empty headers: present to Node, absent to the Fetch API's `has`.
  json({ query: '{ __typename }' }, { origin: '', ...GRAPHQL_RESPONSE }),
  json({ query: '{ __typename }' }, { 'x-graphql-on-error': '', authorization: '', ...GRAPHQL_RESPONSE }),
  json({ query: '{ user(id: "u1") { id } }' }, { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' }),
];

describe('the fast path', () => {
  it('answers the example operations, the error cases and the HTTP cases as Yoga does', { timeout: 60_000 }, async () => {
    const { fast, yoga, expectAlike, expectToldAlike, fastPathRequests, close } = await pair();
    try {
      for (const query of EXAMPLES) {
        await expectAlike(json({ query, variables: { id: 'u2' } }, GRAPHQL_RESPONSE));
        await expectAlike(json({ query, variables: { id: 'u3' } }, { accept: 'application/json' }));
      }
      for (const body of ERROR_CASES) await expectAlike(json(body, GRAPHQL_RESPONSE));
      const statuses = new Set<number>();
      for (const exchange of HTTP_CASES) statuses.add((await expectAlike(exchange)).status);
      // The cases reach refusals of several kinds, or this test would prove little.
      expect([...statuses].sort()).toEqual(expect.arrayContaining([200, 400, 406]));
      await expectToldAlike();
      // Every request above was served by the fast path on one graph, by Yoga on the other.
      const asked = EXAMPLES.length * 2 + ERROR_CASES.length + HTTP_CASES.length;
      expect(await fastPathRequests(fast)).toBe(asked);
      expect(await fastPathRequests(yoga)).toBe(0);
    } finally {
      await close();
    }
  });

  it('answers as Yoga does in production: authentication, CSRF prevention, no introspection', { timeout: 30_000 }, async () => {
    const { expectAlike, expectToldAlike, close } = await pair({ NODE_ENV: 'production', ...HMAC_AUTH });
    try {
      const token = await hmacToken('u1', { roles: ['customer'] });
      const bearer = { authorization: `Bearer ${token}`, ...GRAPHQL_RESPONSE };
      await expectAlike(json({ query: '{ user(id: "u1") { id personal { name } } }' }, GRAPHQL_RESPONSE));
      await expectAlike(json({ query: '{ user(id: "u1") { id personal { name } } }' }, { authorization: 'Bearer a.b.c' }));
      await expectAlike(json({ query: '{ user(id: "u1") { id personal { name email } } }' }, bearer));
      await expectAlike(json({ query: '{ user(id: "u2") { id personal { email } } }' }, bearer));
      await expectAlike(json({ query: '{ __schema { queryType { name } } }' }, bearer));
      await expectAlike(json({ query: '{ user(id: "u1") { nam } }' }, bearer));
      await expectAlike(json({ query: '{ __typename }' }, { ...bearer, origin: APP_ORIGIN }));
      await expectToldAlike();
    } finally {
      await close();
    }
  });

  it('answers the HTTP fuzz corpus on raw sockets as Yoga does', { timeout: 60_000 }, async () => {
    const { fast, yoga, fastPathRequests, close } = await pair();
    try {
      const ports = [fast, yoga].map((graph) => Number(new URL(graph.url).port));
      const random = seededRandom(20261202);
      let compared = 0;
      for (let i = 0; i < 1500; i++) {
        const corpus = requestBytes(random, i, [`x-request-id: fuzz-${i}`]).bytes;
        // Every other request aimed at the one the fast path takes, with the rest of it random.
        const bytes = i % 2 === 0 ? corpus : Buffer.concat([Buffer.from('POST /graphql'), corpus.subarray(corpus.indexOf(' HTTP/1.1'))]);
        // The corpus goes to every route: the others (metrics, health) are served before either path.
        if (!/ \/graphql/.test(bytes.subarray(0, 40).toString('latin1'))) continue;
        compared += 1;
        const [mine, theirs] = await Promise.all(ports.map(async (port) => firstAnswer(await exchange(port, bytes))));
        const withoutDate = (answer: typeof mine) => answer && { ...answer, headers: answer.headers.replace(/\r\ndate: [^\r]*/, '') };
        expect(withoutDate(mine)).toEqual(withoutDate(theirs));
      }
      expect(compared).toBeGreaterThan(100);
      expect(await fastPathRequests(fast)).toBeGreaterThan(10);
    } finally {
      await close();
    }
  });
});
