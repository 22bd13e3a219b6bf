/**
 * The log as an operator reads it: pino JSON lines with the request id, one line per
 * operation with its duration and error codes, one line per upstream failure with what the
 * client was not told, and nothing secret.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createGraphLogger, isoTime } from '../telemetry/logger.js';
import { contractHandlers, startContractFakes, type Fakes } from './support/contract-fakes.js';
import { json, type Handler } from './support/fake-upstream.js';
import { startGraph, type GraphServer } from './support/graph.js';

type Line = Record<string, unknown> & { level: string; msg: string };

let fakes: Fakes | undefined;
let graph: GraphServer | undefined;
afterEach(async () => {
  await graph?.close();
  await fakes?.close();
  graph = undefined;
  fakes = undefined;
});

/** A graph whose log lines are collected, parsed, as they are written. */
async function loggedGraph(professional: Handler): Promise<{ graph: GraphServer; lines: Line[] }> {
  const lines: Line[] = [];
  fakes = await startContractFakes({ professional });
  const logger = createGraphLogger('info', { write: (chunk: string) => void lines.push(JSON.parse(chunk) as Line) });
  graph = await startGraph(fakes.urls, {}, { logger });
  return { graph, lines };
}

describe('logs', () => {
  it('a failing upstream: one line with service, route, status and the upstream detail; one operation line with the codes', async () => {
    const { graph, lines } = await loggedGraph((_, res) =>
      json(res, 500, { error: { code: 'DB_DOWN', message: 'connection pool exhausted' } }),
    );
    const { body } = await graph.query(
      'query Profile { user(id: "u1") { personal { name email } professional { title } } }',
      {},
      { authorization: 'Bearer very-secret-token', 'x-request-id': 'req-42' },
    );
    expect(body.errors).toHaveLength(1);
    expect(JSON.stringify(body)).not.toContain('pool exhausted');

    expect(lines.filter((l) => l.level === 'warn')).toEqual([
      {
        level: 'warn',
        time: expect.any(String),
        msg: 'upstream professional failed: UPSTREAM_UNAVAILABLE (status)',
        requestId: 'req-42',
        service: 'professional',
        route: '/profiles/{userId}',
        upstreamStatus: 500,
        cause: 'DB_DOWN: connection pool exhausted',
      },
    ]);
    expect(lines.filter((l) => l.msg === 'graphql operation')).toEqual([
      {
        level: 'info',
        time: expect.any(String),
        msg: 'graphql operation',
        requestId: 'req-42',
        operation: 'Profile',
        type: 'query',
        onError: 'PROPAGATE',
        durationMs: expect.any(Number),
        errors: ['UPSTREAM_UNAVAILABLE'],
        // user 5, personal 1, professional 5 (security/operation-cost.ts); no list.
        cost: { estimated: 11, actual: 11 },
      },
    ]);
    const text = JSON.stringify(lines);
    expect(text).not.toContain('very-secret-token');
    expect(text).not.toContain('ada@example.com');
  });

  it('a connection failure logs its cause, which the client never sees', async () => {
    const { graph, lines } = await loggedGraph((_, res) => res.socket?.destroy());
    const { body } = await graph.query('{ user(id: "u1") { professional { title } } }', {}, { 'x-request-id': 'req-7' });
    expect(JSON.stringify(body)).not.toMatch(/socket|ECONNRESET/i);
    // One line for the call: its first attempt and two retries, each cut off.
    expect(lines.filter((l) => l.level === 'warn')).toEqual([
      expect.objectContaining({
        msg: 'upstream professional failed: UPSTREAM_UNAVAILABLE (connection)',
        requestId: 'req-7',
        service: 'professional',
        route: '/profiles/{userId}',
        attempts: 3,
        attemptFailures: ['connection', 'connection', 'connection'],
        cause: expect.stringMatching(/socket|other side closed/i),
      }),
    ]);
  });

  it('a 503 retried into an answer logs nothing: the call succeeded', async () => {
    let calls = 0;
    const { graph, lines } = await loggedGraph((request, res) =>
      ++calls === 1 ? json(res, 503, { error: { code: 'BUSY', message: 'busy' } }) : contractHandlers.professional(request, res),
    );
    expect((await graph.query('{ user(id: "u1") { professional { title } } }')).body.errors).toBeUndefined();
    expect(lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('LOG_LEVEL is the least a line needs: at info no debug line, at debug its fields, redacted as any', async () => {
    const written = (level: 'info' | 'debug') => {
      const lines: Line[] = [];
      const logger = createGraphLogger(level, { write: (chunk: string) => void lines.push(JSON.parse(chunk) as Line) });
      logger.debug('stale answer served', { requestId: 'req-1', authorization: 'Bearer secret' });
      logger.info('graphql operation', { requestId: 'req-1' });
      return lines.map(({ level, msg, requestId, authorization }) => ({ level, msg, requestId, authorization }));
    };
    expect(written('info')).toEqual([{ level: 'info', msg: 'graphql operation', requestId: 'req-1' }]);
    expect(written('debug')).toEqual([
      { level: 'debug', msg: 'stale answer served', requestId: 'req-1', authorization: '[redacted]' },
      { level: 'info', msg: 'graphql operation', requestId: 'req-1' },
    ]);
  });

  it("a line's time is its ISO 8601 instant in UTC, to the millisecond", () => {
    for (const at of [
      Date.UTC(2026, 11, 31, 23, 59, 59, 999),
      Date.UTC(2027, 0, 1),
      Date.UTC(2027, 0, 1, 0, 0, 0, 7),
      Date.UTC(2027, 0, 1, 0, 0, 1, 70),
    ])
      expect(isoTime(at)).toBe(`,"time":"${new Date(at).toISOString()}"`);
    const lines: Line[] = [];
    const before = Date.now();
    createGraphLogger('info', { write: (chunk: string) => void lines.push(JSON.parse(chunk) as Line) }).info('now');
    const time = Date.parse(lines[0]!.time as string);
    expect(time).toBeGreaterThanOrEqual(before);
    expect(time).toBeLessThanOrEqual(Date.now());
  });

  it("credentials and e-mail addresses are redacted however deep, an error's own fields too; what was logged is not changed", () => {
    const lines: Line[] = [];
    const logger = createGraphLogger('info', { write: (chunk: string) => void lines.push(JSON.parse(chunk) as Line) });
    const fields = {
      requestId: 'req-1',
      token: 'top-secret',
      upstream: { request: { headers: { authorization: 'Bearer deep-secret', accept: 'application/json' } } },
      users: [{ id: 'u1', email: 'ada@example.com' }, 'plain'],
      cause: Object.assign(new Error('nested'), { token: 'nested-secret' }),
    };
    logger.warn('something failed', fields);
    const failure = Object.assign(new Error('upstream refused'), { headers: { authorization: 'Bearer error-secret' } });
    logger.error(failure);

    expect(lines[0]).toMatchObject({
      msg: 'something failed',
      requestId: 'req-1',
      token: '[redacted]',
      upstream: { request: { headers: { authorization: '[redacted]', accept: 'application/json' } } },
      users: [{ id: 'u1', email: '[redacted]' }, 'plain'],
      cause: { token: '[redacted]' },
    });
    expect(lines[1]).toMatchObject({
      msg: 'upstream refused',
      err: { message: 'upstream refused', headers: { authorization: '[redacted]' } },
    });
    const text = JSON.stringify(lines);
    for (const secret of ['top-secret', 'deep-secret', 'ada@example.com', 'error-secret', 'nested-secret'])
      expect(text).not.toContain(secret);
    // The caller's objects are as they were.
    expect(fields.upstream.request.headers.authorization).toBe('Bearer deep-secret');
    expect(failure.headers.authorization).toBe('Bearer error-secret');
  });
});
