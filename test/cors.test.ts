/**
 * Cross-origin access as the operator sets it: real preflights over HTTP, and a real page on
 * another origin in headless Chromium reading (or failing to read) the graph's answers.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../server/config.js';
import { hasBrowser, launchBrowser } from './support/browser.js';
import { graphHarness } from './support/harness.js';

const start = graphHarness();
const PRODUCTION = { NODE_ENV: 'production' };
const APP = 'https://app.example.com';
const EVIL = 'https://evil.example';

/** A preflight, as a browser sends it before a JSON POST with an authorization header. */
async function preflight(url: string, origin: string): Promise<Response> {
  return fetch(`${url}/graphql`, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type, authorization, x-graph-on-error',
    },
  });
}

const corsHeaders = (response: Response) => [...response.headers.keys()].filter((name) => name.startsWith('access-control-')).sort();

describe('CORS, in production', () => {
  it('no origin may call the graph until CORS_ORIGINS names it: no access-control-allow-* header at all', async () => {
    const { graph } = await start({}, PRODUCTION);
    const answer = await preflight(graph.url, APP);
    expect(answer.status).toBe(204);
    expect(corsHeaders(answer)).toEqual([]);
    const post = await graph.query('{ user(id: "u1") { id } }', {}, { origin: APP });
    expect(post.body.data).toEqual({ user: { id: 'u1' } });
    expect(corsHeaders(new Response(null, { headers: post.headers }))).toEqual([]);
  });

  it('an origin on the list gets what GraphQL over HTTP needs; another origin gets nothing', async () => {
    const { graph } = await start({}, { ...PRODUCTION, CORS_ORIGINS: `${APP}, https://admin.example.com` });
    const allowed = await preflight(graph.url, APP);
    expect(allowed.status).toBe(204);
    expect(Object.fromEntries([...allowed.headers].filter(([name]) => name.startsWith('access-control-') || name === 'vary'))).toEqual({
      'access-control-allow-origin': APP,
      'access-control-allow-methods': 'GET, POST, OPTIONS',
      'access-control-allow-headers': expect.stringMatching(/^accept, authorization, content-type, x-request-id, .*x-graph-on-error/),
      'access-control-expose-headers': 'x-request-id, retry-after',
      'access-control-max-age': '600',
      vary: 'Origin',
    });
    const refused = await preflight(graph.url, EVIL);
    expect(corsHeaders(refused)).toEqual([]);
    expect(refused.headers.get('vary')).toBe('Origin');

    const post = await graph.query('{ user(id: "u1") { id } }', {}, { origin: APP, 'x-request-id': 'req-cors-1' });
    expect(post.headers.get('access-control-allow-origin')).toBe(APP);
    expect(post.headers.get('access-control-expose-headers')).toBe('x-request-id, retry-after');
    expect(post.headers.get('access-control-allow-credentials')).toBeNull();
    expect(post.headers.get('x-request-id')).toBe('req-cors-1');
  });

  it('credentials only with CORS_CREDENTIALS=on, and never beside *', async () => {
    const { graph } = await start({}, { ...PRODUCTION, CORS_ORIGINS: APP, CORS_CREDENTIALS: 'on' });
    expect((await preflight(graph.url, APP)).headers.get('access-control-allow-credentials')).toBe('true');
    expect(() => loadConfig({ CORS_ORIGINS: '*', CORS_CREDENTIALS: 'on' })).toThrow(/CORS_ORIGINS=\* with CORS_CREDENTIALS=on/);
    expect(() => loadConfig({ CORS_ORIGINS: 'app.example.com' })).toThrow(/CORS_ORIGINS=.*an origin is scheme:\/\/host/);
  });
});

describe('CORS, in development', () => {
  it('local pages on any port may call the graph; others may not', async () => {
    const { graph } = await start();
    expect((await preflight(graph.url, 'http://localhost:5173')).headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect((await preflight(graph.url, 'http://127.0.0.1:3000')).headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:3000');
    expect(corsHeaders(await preflight(graph.url, 'http://localhost.evil.example:5173'))).toEqual([]);
    expect(corsHeaders(await preflight(graph.url, EVIL))).toEqual([]);
  });
});

describe.skipIf(!hasBrowser)('a page on another origin, in Chromium', () => {
  let page: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (page === undefined ? resolve() : page.close(() => resolve())));
    page = undefined;
  });

  /** Serves one empty page on 127.0.0.1:0: another origin than the graph's (another port). */
  async function pageOrigin(): Promise<string> {
    page = createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title>'));
    await new Promise<void>((resolve) => page!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(page.address() as AddressInfo).port}`;
  }

  it('reads the answer and its x-request-id when allowed, and cannot read it when not', async () => {
    const origin = await pageOrigin();
    const allowed = await start({}, { ...PRODUCTION, CORS_ORIGINS: origin });
    const other = await start({}, { ...PRODUCTION, CORS_ORIGINS: APP });
    const browser = await launchBrowser();
    try {
      const tab = await browser.newPage();
      await tab.goto(origin);
      const call = (graphUrl: string) =>
        tab.evaluate(async (url) => {
          try {
            const response = await fetch(`${url}/graphql`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-graph-on-error': 'HALT' },
              body: JSON.stringify({ query: '{ user(id: "u1") { personal { name } } }' }),
            });
            return { body: (await response.json()) as unknown, requestId: response.headers.get('x-request-id') };
          } catch (error) {
            return { failed: String(error) };
          }
        }, graphUrl);
      const read = await call(allowed.graph.url);
      expect(read).toEqual({ body: { data: { user: { personal: { name: 'Ada Lovelace' } } } }, requestId: expect.any(String) });
      expect(await call(other.graph.url)).toEqual({ failed: expect.stringContaining('Failed to fetch') });
    } finally {
      await browser.close();
    }
  });
});
