/**
 * Fuzzing the HTTP layer: 1,000 seeded random requests written byte for byte on raw sockets
 * (methods, paths with broken percent-escapes and odd segments, headers, content types,
 * bodies, declared lengths that lie) against every route of the real entry point: the graph,
 * the process's routes, the operators' endpoints and the demo controls. None may crash the
 * process or log an uncaught throw (test/support/no-bugs.ts), get a 5xx, go unanswered, or be
 * refused without a JSON body carrying a code.
 */
import { expect, it } from 'vitest';
import { seededRandom } from '../demo/seeded-random.js';
import { processHarness } from './support/process-harness.js';
import { ADMIN_TOKEN, exchange, firstAnswer, requestBytes } from './support/http-fuzz-requests.js';

const processes = processHarness();
const SEED = 20261129;
const COUNT = 1000;

/** The code of the first error: in a JSON body, or in the first part of a multipart one (incremental delivery). */
function codeIn(body: string): unknown {
  try {
    const json = body.trimStart().startsWith('{') ? body : body.slice(body.indexOf('{'), body.lastIndexOf('}') + 1);
    const parsed = JSON.parse(json) as { errors?: { extensions?: { code?: unknown } }[] };
    return parsed.errors?.[0]?.extensions?.code;
  } catch {
    return undefined;
  }
}

it(`${COUNT} random HTTP requests on every route: answered, no 5xx, a code on every refusal, no crash`, { timeout: 120_000 }, async () => {
  const { server, url } = await processes.server({
    ADMIN_TOKEN,
    DEMO_CONTROLS: 'on',
    HEADERS_TIMEOUT_MS: '1000',
    BODY_TIMEOUT_MS: '1000',
  });
  const port = Number(new URL(url).port);
  const random = seededRandom(SEED);
  const findings: { request: string; problem: string }[] = [];
  for (let i = 0; i < COUNT; i++) {
    const { bytes, head } = requestBytes(random, i);
    const answer = firstAnswer(await exchange(port, bytes));
    const request = bytes.toString('latin1').slice(0, 300);
    if (answer === undefined) findings.push({ request, problem: 'no answer' });
    else if (answer.status >= 500) findings.push({ request, problem: `${answer.status} ${answer.body.slice(0, 200)}` });
    else if (answer.status >= 400 && !head && typeof codeIn(answer.body) !== 'string')
      findings.push({ request, problem: `${answer.status} without a code: ${answer.body.slice(0, 200)}` });
  }
  expect(findings).toEqual([]);
  expect(server.child.exitCode).toBeNull();
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
});
