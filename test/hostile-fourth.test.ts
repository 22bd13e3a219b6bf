/**
 * Hostile input, fourth round: the edges of the request paths (addresses Node or Yoga's adapter
 * cannot read, expectations Node refuses), compiled execution, and what the graph answers to them.
 * One test (or a few) per finding; each failed before its change.
 */
import { once } from 'node:events';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createGraphLogger } from '../telemetry/logger.js';
import { startContractFakes, type Fakes } from './support/contract-fakes.js';
import { startGraph, type GraphServer } from './support/graph.js';
import { exchange, firstAnswer } from './support/http-fuzz-requests.js';

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (let close = open.pop(); close !== undefined; close = open.pop()) await close();
});

/** A graph over contract fakes, with what it logs collected. */
async function graphWithLog(
  env: Record<string, string> = {},
): Promise<{ graph: GraphServer; fakes: Fakes; lines: Record<string, unknown>[] }> {
  const fakes = await startContractFakes();
  open.push(() => fakes.close());
  const lines: Record<string, unknown>[] = [];
  const logger = createGraphLogger('info', { write: (chunk: string) => void lines.push(JSON.parse(chunk) as Record<string, unknown>) });
  const graph = await startGraph(fakes.urls, env, { logger });
  open.push(() => graph.close());
  return { graph, fakes, lines };
}

/** Writes the bytes without ending its side (a client waiting for 100-continue) and reads until the server closes. */
async function exchangeOpen(port: number, bytes: Buffer): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
  socket.write(bytes);
  await once(socket, 'close');
  return answer;
}

const BODY = '{"query":"{ user(id: \\"u1\\") { id } }"}';

/** A raw request with the given request line and headers, and the JSON body above when it is a POST. */
function raw(requestLine: string, headers: string[]): Buffer {
  const body = requestLine.startsWith('POST') ? BODY : '';
  const lines = [requestLine, ...headers, 'connection: close'];
  if (body !== '') lines.push('content-type: application/json', `content-length: ${Buffer.byteLength(body)}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`, 'latin1');
}

/** The requests of findings 1 and 2, each with the status and code it must get. */
const ADDRESS_CASES: { bytes: Buffer; status: number; code: string }[] = [
  ...['a b', 'localhost:99999', '[::1', 'a/b?c'].flatMap((host) => [
    { bytes: raw('POST /graphql HTTP/1.1', [`host: ${host}`]), status: 400, code: 'BAD_REQUEST' },
    {
      bytes: raw('GET /graphql?query=%7B__typename%7D HTTP/1.1', [`host: ${host}`, 'accept: application/json']),
      status: 400,
      code: 'BAD_REQUEST',
    },
  ]),
  { bytes: raw('POST /graphql HTTP/1.1', []), status: 400, code: 'BAD_REQUEST' },
  { bytes: raw('GET /healthz HTTP/1.1', []), status: 400, code: 'BAD_REQUEST' },
  { bytes: raw('POST /graphql HTTP/1.1', ['host: 127.0.0.1', 'expect: 200-ok']), status: 417, code: 'EXPECTATION_FAILED' },
];

describe('requests whose address or expectation cannot be served (findings 1 and 2)', () => {
  for (const [name, env] of [
    ['the fast path', {}],
    ["Yoga's path", { FAST_PATH: 'off' }],
    ['production', { NODE_ENV: 'production' }],
  ] as const) {
    it(`are refused as JSON with a code, no stack, and logged: ${name}`, async () => {
      const { graph, lines } = await graphWithLog(env);
      const port = Number(new URL(graph.url).port);
      for (const { bytes, status, code } of ADDRESS_CASES) {
        const answer = firstAnswer(await exchange(port, bytes));
        const request = bytes.toString('latin1').split('\r\n\r\n')[0];
        expect({ request, status: answer?.status, type: /content-type: ([^\r]*)/.exec(answer?.headers ?? '')?.[1] }).toEqual({
          request,
          status,
          type: 'application/json; charset=utf-8',
        });
        expect(JSON.parse(answer!.body)).toEqual({ errors: [{ message: expect.any(String), extensions: { code } }] });
        expect(answer!.body).not.toMatch(/node_modules|at |Error:/);
      }
      const refusals = lines.filter((line) => typeof line.msg === 'string' && line.msg.startsWith('http: a request was refused'));
      expect(refusals).toHaveLength(ADDRESS_CASES.length);
      // The server goes on serving.
      expect((await graph.query('{ user(id: "u1") { id } }')).body).toEqual({ data: { user: { id: 'u1' } } });
    });
  }

  it('still serves HTTP/1.0 without a Host, and 100-continue', async () => {
    const { graph } = await graphWithLog();
    const port = Number(new URL(graph.url).port);
    const old = firstAnswer(await exchange(port, raw('GET /healthz HTTP/1.0', [])).then((text) => text.replace('HTTP/1.0', 'HTTP/1.1')));
    expect(old?.status).toBe(200);
    const continued = await exchangeOpen(port, raw('POST /graphql HTTP/1.1', ['host: 127.0.0.1', 'expect: 100-continue']));
    expect(continued).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/);
    expect(continued).toContain('{"data":{"user":{"id":"u1"}}}');
  });
});

describe('unique documents (finding 4)', () => {
  const compiledCount = async (graph: GraphServer) =>
    Number(/^graphql_compiled_operations_total (\d+)/m.exec(await (await fetch(`${graph.url}/metrics`)).text())?.[1]);

  it('are not compiled until they come again: each sent as many times as the threshold, from many clients', async () => {
    const { graph } = await graphWithLog({ COMPILED_EXECUTION_AFTER: '2' });
    // 200 documents, each unique, each sent twice, by 8 clients at once.
    const documents = Array.from({ length: 200 }, (_, i) => `{ user(id: "u1") { id unique${i}: id } }`);
    const sends = documents.flatMap((document) => [document, document]);
    for (let client = 0; client < 8; client++) {
      await Promise.all(
        sends.filter((_, i) => i % 8 === client).map(async (document) => expect((await graph.query(document)).status).toBe(200)),
      );
    }
    expect(await compiledCount(graph)).toBe(0);
    // The third run of one of them compiles it, once; the answer is the same.
    const third = await graph.query(documents[0]!);
    expect(third.body).toEqual({ data: { user: { id: 'u1', unique0: 'u1' } } });
    await graph.query(documents[0]!);
    expect(await compiledCount(graph)).toBe(1);
  });
});
