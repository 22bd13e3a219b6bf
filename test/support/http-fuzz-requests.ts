/**
 * Seeded random HTTP requests, byte for byte (methods, paths with broken percent-escapes,
 * headers, content types, bodies, declared lengths that lie), and reading their answers off a
 * raw socket: the HTTP fuzz test's corpus, also asked of both request paths (test/fast-path.test.ts).
 */
import { once } from 'node:events';
import { connect } from 'node:net';

/** The operators' token the corpus sometimes sends (the fuzz test's server has it). */
export const ADMIN_TOKEN = 'admin-token-0123456789';

const METHODS = ['GET', 'POST', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'FOO', 'G\u0000T'];
const PATHS = [
  '/graphql',
  '/',
  '/healthz',
  '/readyz',
  '/metrics',
  '/admin/dead-letters',
  '/admin/dead-letters/{segment}/replay',
  '/admin/{segment}',
  '/demo/settings',
  '/nothing',
  '/graphql/more',
];
const ODD = ['%E0%A4%A', '%', '%%', '%00', '%ZZ', '%F0%9F%98%80', '..%2F', '/..', '//', '%2e%2e', 'é', '%ud800', '\t', '?', '#', ';'];
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/graphql-response+json',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/x-www-form-urlencoded',
  'application/json; charset=latin1',
  ';;;',
  '',
];
const ACCEPTS = ['application/json', 'application/graphql-response+json', 'text/event-stream', 'multipart/mixed', 'image/png', '*/*', ''];
const BODIES = [
  '{"query":"{ user(id: \\"u1\\") { id personal { name } } }"}',
  '{"query":"{ users(ids: [\\"u1\\", \\"\\\\ud800\\"]) { id } }"}',
  '{"query":"query ($id: ID!) { user(id: $id) { id } }","variables":{"id":{"nested":[1,2]}}}',
  '{"query":"{ __typename }","variables":"not an object"}',
  '{"query":"{ user(id: \\"u1\\") { nam } }"}',
  '{"query":"mutation { placeOrder(input: {userId: \\"u1\\", items: [], idempotencyKey: \\"\\"}) { order { id } } }"}',
  '{"query":"{ users(ids: [\\"u1\\"]) @stream(initialCount: -5) { id } }"}',
  '{"documentId":"sha256:zz"}',
  '{"query": 1}',
  '[]',
  '[{"query":"{ __typename }"}]',
  '{"query":"{ __typename }"',
  '{"personal":{"latencyMs":0}}',
  'null',
  '\u0000\u0001\u0002',
  '',
];

/** The `n`th request: every route in turn, each time with random everything else. */
export function requestBytes(random: () => number, n: number, extraHeaders: readonly string[] = []): { bytes: Buffer; head: boolean } {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const method = pick(METHODS);
  const segment = Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(['k', ...ODD])).join('');
  let path = PATHS[n % PATHS.length]!.replace('{segment}', segment);
  for (let i = Math.floor(random() * 3); i > 0; i--) {
    const at = Math.floor(random() * (path.length + 1));
    path = path.slice(0, at) + pick(ODD) + path.slice(at);
  }
  if (random() < 0.3) path += `?query=${pick(ODD)}${encodeURIComponent('{ __typename }')}&variables=${pick(ODD)}`;
  const body =
    random() < 0.8 ? Buffer.from(pick(BODIES), 'utf8') : Buffer.from(Array.from({ length: 64 }, () => Math.floor(random() * 256)));
  // Mostly a good host; sometimes none, or one that makes no URL (refused before either request path).
  const host = random() < 0.9 ? ['host: 127.0.0.1'] : pick([[], ['host: a b'], ['host: localhost:99999'], ['host: [::1'], ['host: a/b?c']]);
  const headers = [...host, 'connection: close', ...extraHeaders];
  if (random() < 0.05) headers.push(`expect: ${pick(['100-continue', '200-ok', ''])}`);
  if (random() < 0.9) headers.push(`content-type: ${pick(CONTENT_TYPES)}`);
  if (random() < 0.7) headers.push(`accept: ${pick(ACCEPTS)}`);
  if (random() < 0.3)
    headers.push(`authorization: ${random() < 0.5 ? `Bearer ${ADMIN_TOKEN}` : pick(['Bearer', 'Basic x', 'Bearer a.b.c', '\u00ff'])}`);
  if (random() < 0.2) headers.push(`traceparent: ${pick(['00-zz-zz-01', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', ''])}`);
  if (random() < 0.1) headers.push('x-graphql-yoga-csrf: 1');
  // Mostly the true length; sometimes none (the body then is the next request), rarely a lie.
  const length = random();
  if (length < 0.8) headers.push(`content-length: ${body.length}`);
  else if (length < 0.82) headers.push(`content-length: ${body.length + 10}`);
  else if (length < 0.84) headers.push(`content-length: ${pick(['-1', '1, 1', 'abc', '99999999999999999999'])}`);
  const head = Buffer.from(`${method} ${path} HTTP/1.1\r\n${headers.join('\r\n')}\r\n\r\n`, 'latin1');
  return { bytes: Buffer.concat([head, body]), head: method === 'HEAD' };
}

/** Writes the bytes and reads the whole answer (the server closes: `connection: close`, or a refusal). */
export async function exchange(port: number, bytes: Buffer): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString('utf8')));
  socket.on('error', () => undefined);
  socket.write(bytes);
  socket.end();
  await once(socket, 'close');
  return answer;
}

/** The first answer on the connection: its status and body (chunked bodies are joined). */
export function firstAnswer(raw: string): { status: number; headers: string; body: string } | undefined {
  const match = /^HTTP\/1\.1 (\d{3})/.exec(raw);
  if (match === null) return undefined;
  const end = raw.indexOf('\r\n\r\n');
  const headers = raw.slice(0, end).toLowerCase();
  let body = raw.slice(end + 4);
  const length = /\r\ncontent-length: (\d+)/.exec(headers);
  if (length !== null) body = body.slice(0, Number(length[1]));
  else if (headers.includes('transfer-encoding: chunked')) {
    let joined = '';
    for (let rest = body; ;) {
      const size = parseInt(rest, 16);
      if (!(size > 0)) break;
      const start = rest.indexOf('\r\n') + 2;
      joined += rest.slice(start, start + size);
      rest = rest.slice(start + size + 2);
    }
    body = joined;
  }
  return { status: Number(match[1]), headers, body };
}
