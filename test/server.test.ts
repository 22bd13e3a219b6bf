import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SERVICE_NAMES } from '../errors/service-name.js';
import { contractHandlers, startContractFakes, type Fakes } from './support/contract-fakes.js';
import { deferred } from './support/fake-upstream.js';
import { spawnServer, startServerProcess, type ServerProcess } from './support/server-process.js';

let fakes: Fakes | undefined;
let server: ServerProcess | undefined;

afterEach(async () => {
  if (server !== undefined && server.child.exitCode === null) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
  await fakes?.close();
  server = undefined;
  fakes = undefined;
});

const urlEnv = (urls: Record<string, string>) => Object.fromEntries(SERVICE_NAMES.map((s) => [`${s.toUpperCase()}_API_URL`, urls[s]!]));

const post = (url: string, query: string) =>
  fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });

describe('the server process', () => {
  it('serves health, readiness, GraphiQL and GraphQL, and refuses a mutation over GET', async () => {
    fakes = await startContractFakes();
    // The process runs in production (NODE_ENV), where GraphiQL is off unless asked for.
    const started = await startServerProcess({ ...urlEnv(fakes.urls), GRAPHIQL: 'on' });
    server = started.server;
    const { url } = started;

    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    const root = await fetch(`${url}/`, { redirect: 'manual' });
    expect([root.status, root.headers.get('location')]).toEqual([302, '/graphql']);
    const page = await fetch(`${url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('GraphiQL');
    expect(html).toContain('query Profile'); // the example operations are preloaded
    expect(html).toContain('query PartialResult');
    // ...and the partial result once more per error mode, its header set.
    expect(html).toContain('query PartialResultNULL');
    expect(html).toContain('query PartialResultHALT');
    expect(html).toMatch(/x-graph-on-error\\?":\s*\\?"HALT/);
    // Served whole from the process: GraphiQL works where no CDN can be reached.
    expect(html.match(/<(script|link)[^>]*(src|href)="https?:/g)).toBeNull();

    const answer = await post(url, '{ user(id: "u1") { personal { name } } }');
    expect(await answer.json()).toEqual({ data: { user: { personal: { name: 'Ada Lovelace' } } } });

    // Production: a GET without a non-simple header is refused (CSRF prevention)...
    const getUrl = `${url}/graphql?query=${encodeURIComponent('mutation { placeOrder }')}`;
    expect((await fetch(getUrl)).status).toBe(403);
    // ...and with one, a mutation over GET still is.
    expect((await fetch(getUrl, { headers: { 'x-graphql-yoga-csrf': '1' } })).status).toBe(405);
  });

  it('says at start what is on: GraphiQL only when served, each upstream without its credentials, the persisted operations', async () => {
    fakes = await startContractFakes();
    const withCredentials = Object.fromEntries(
      Object.entries(fakes.urls).map(([service, url]) => [service, url.replace('http://', 'http://reader:s3cret@')]),
    );
    const started = await startServerProcess(urlEnv(withCredentials));
    server = started.server;
    const upstreams = await server.waitFor(/upstreams: (.*)/);
    const persisted = await server.waitFor(/persisted operations: (\d+) from (.*persisted-documents\.json)/);
    expect(server.output()).not.toContain('GraphiQL');
    expect(server.output()).not.toContain('s3cret');
    for (const service of SERVICE_NAMES) expect(upstreams[1]).toContain(`${service} http://***@127.0.0.1:`);
    expect(Number(persisted[1])).toBeGreaterThan(0);

    const local = await startServerProcess({ ...urlEnv(fakes.urls), GRAPHIQL: 'on' });
    try {
      expect(local.server.output()).toMatch(/GraphQL on http:\/\/localhost:\d+\/graphql \(GraphiQL in a browser\)/);
    } finally {
      local.server.child.kill('SIGKILL');
      await local.server.exited;
    }
  });

  it('on SIGTERM stops listening, finishes the request in flight, then exits 0', async () => {
    const arrived = deferred();
    const release = deferred();
    fakes = await startContractFakes({
      professional: async (request, res) => {
        arrived.resolve();
        await release.promise;
        contractHandlers.professional(request, res);
      },
    });
    const started = await startServerProcess(urlEnv(fakes.urls));
    server = started.server;

    const inFlight = post(started.url, '{ user(id: "u1") { personal { name } professional { title } } }');
    await arrived.promise;
    server.child.kill('SIGTERM');
    await server.waitFor(/SIGTERM: no longer listening; finishing 1 request/);

    await expect(fetch(`${started.url}/healthz`)).rejects.toThrow();

    release.resolve();
    const answer = await inFlight;
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ data: { user: { personal: { name: 'Ada Lovelace' }, professional: { title: 'Programmer' } } } });
    expect(await server.exited).toBe(0);
  });

  it('writes every log line in order, while quiet and at exit: lines go out in batches, none lost', async () => {
    fakes = await startContractFakes();
    const started = await startServerProcess(urlEnv(fakes.urls));
    server = started.server;
    const names = Array.from({ length: 40 }, (_, i) => `Op${i}`);
    for (const name of names) expect((await post(started.url, `query ${name} { user(id: "u1") { id } }`)).status).toBe(200);
    // A quiet server's last line still reaches the log, with nothing after it to fill a batch.
    await server.waitFor(/"operation":"Op39"/);
    await post(started.url, 'query Last { user(id: "u1") { id } }');
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    const lines = server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; operation?: string });
    expect(lines.filter((line) => line.msg === 'graphql operation').map((line) => line.operation)).toEqual([...names, 'Last']);
    expect(lines.at(-1)!.msg).toBe('stopped');
  });

  it('stops on SIGTERM when whoever read its log has gone (a broken stdout pipe)', async () => {
    fakes = await startContractFakes();
    const started = await startServerProcess(urlEnv(fakes.urls));
    server = started.server;
    // The log shipper dies: every line from now on meets EPIPE, the last ones at exit too
    // (sonic-boom before 5 retried those forever, and the process never ended).
    server.child.stdout!.destroy();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });
});

describe('configuration', () => {
  it('stops the start with a message naming a bad value', async () => {
    server = spawnServer({ UPSTREAM_TIMEOUT_MS: 'soon' });
    expect(await server.exited).toBe(2);
    expect(server.output()).toContain('Configuration error: UPSTREAM_TIMEOUT_MS="soon" is not valid');
  });

  it('refuses a bad URL', async () => {
    server = spawnServer({
      ...urlEnv(Object.fromEntries(SERVICE_NAMES.map((s) => [s, 'x']))),
      PERSONAL_API_URL: 'ftp://example',
    });
    expect(await server.exited).toBe(2);
    expect(server.output()).toContain('PERSONAL_API_URL="ftp://example" is not valid');
  });

  it('refuses a mix of real and demo services', async () => {
    server = spawnServer({ PERSONAL_API_URL: 'http://127.0.0.1:9' });
    expect(await server.exited).toBe(2);
    const others = SERVICE_NAMES.filter((s) => s !== 'personal').map((s) => `${s.toUpperCase()}_API_URL`);
    expect(server.output()).toContain(`${others.join(', ')} must be set as well`);
  });
});

describe('the runtime', () => {
  const root = new URL('..', import.meta.url);

  it('npm scripts run on the Node.js the project pins (package.json engines), whatever node the machine has', () => {
    const { engines } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines: { node: string } };
    expect(engines.node).toBe('>=24');
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
  });

  it('the entry point refuses an older Node.js with a message saying what to run, before loading anything it lacks', () => {
    // The process believes it is Node 22, which has no node:sqlite without a flag.
    const older = `Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '22.11.0' } });
      Object.defineProperty(process, 'version', { value: 'v22.11.0' });`;
    const run = spawnSync(process.execPath, ['--import', `data:text/javascript,${older}`, '--import', 'tsx', 'server/main.ts'], {
      cwd: fileURLToPath(root),
      env: { PATH: process.env.PATH ?? '' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.stderr).toContain('This server needs Node.js 24 or newer; it was started with v22.11.0.');
    expect(run.stderr).toContain('npm start');
    expect(run.status).toBe(1);
  });
});
