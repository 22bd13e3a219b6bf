/**
 * `npm run check:upstreams`: a service's published document that no longer gives the graph what
 * it uses is caught, one line per break, before a deployment meets it; one that only adds is not.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { startDemoServices, type DemoServices } from '../demo/services.js';
import { SERVICE_NAMES, type ServiceName } from '../errors/service-name.js';
import { dereferenced, formatBreak, upstreamBreaks } from '../server/upstream-check.js';

/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call
   -- the drifted documents are plain YAML, edited in place as a service team would */
type Json = Record<string, any>;

const root = fileURLToPath(new URL('..', import.meta.url));
const document = (service: ServiceName): Json =>
  parseYaml(readFileSync(join(root, 'contracts', `${service}.openapi.yaml`), 'utf8')) as Json;

/** The breaks of the service's document after `drift`, as printed. */
async function breaksAfter(service: ServiceName, drift: (published: Json) => void): Promise<string[]> {
  const published = document(service);
  drift(published);
  const file = join(root, 'contracts', `${service}.openapi.yaml`);
  return upstreamBreaks(service, await dereferenced(document(service), file), await dereferenced(published, file)).map(formatBreak);
}

describe('a published document against what the graph uses', () => {
  it("is compatible when it is the graph's own, and when it only adds (a path, a field, an optional parameter, a status)", async () => {
    for (const service of SERVICE_NAMES) expect(await breaksAfter(service, () => {})).toEqual([]);
    expect(
      await breaksAfter('personal', (d) => {
        d.paths['/users/{id}/friends'] = { get: { operationId: 'friends', responses: { '200': { description: 'ok' } } } };
        d.components.schemas.User.properties.nickname = { type: 'string' };
        d.paths['/users'].get.parameters.push({ name: 'fields', in: 'query', required: false, schema: { type: 'string' } });
        d.paths['/users/{id}'].get.responses['410'] = { description: 'gone' };
        d.paths['/users/{userId}'] = d.paths['/users/{id}']; // the parameter renamed: the same path
        delete d.paths['/users/{id}'];
        d.paths['/users/{userId}'].get.parameters[0] = { name: 'userId', in: 'path', required: true, schema: { type: 'string' } };
      }),
    ).toEqual([]);
  });

  it('names each kind of break: service, operation, JSON path, what changed', async () => {
    expect(
      await breaksAfter('personal', (d) => {
        delete d.paths['/users/{id}'];
      }),
    ).toEqual(['personal getUser GET /users/{id} $: the operation is gone (no such path and method in the published document)']);
    expect(
      await breaksAfter('personal', (d) => {
        d.components.schemas.User.properties.fullName = d.components.schemas.User.properties.name;
        delete d.components.schemas.User.properties.name;
        d.components.schemas.User.required = ['id', 'fullName', 'email'];
      }),
    ).toEqual([
      'personal getUser GET /users/{id} $.name: removed or renamed (200 answer)',
      'personal getUsers GET /users $.users[].name: removed or renamed (200 answer)',
    ]);
    expect(
      await breaksAfter('professional', (d) => {
        d.components.schemas.Profile.properties.yearsOfExperience = { type: 'string' };
      }),
    ).toEqual(['professional getProfile GET /profiles/{userId} $.yearsOfExperience: type changed from integer to string (200 answer)']);
    expect(
      await breaksAfter('orders', (d) => {
        d.components.schemas.Order.properties.totalCents = { type: ['integer', 'null'], format: 'int32' };
        d.components.schemas.Order.required = d.components.schemas.Order.required.filter((name: string) => name !== 'currency');
      }),
    ).toContain('orders getOrder GET /orders/{id} $.totalCents: became nullable (200 answer)');
    expect(
      (
        await breaksAfter('orders', (d) => {
          d.components.schemas.Order.required = d.components.schemas.Order.required.filter((name: string) => name !== 'currency');
        })
      )[0],
    ).toBe('orders getOrder GET /orders/{id} $.currency: became optional (200 answer)');
    expect(
      (
        await breaksAfter('orders', (d) => {
          d.components.schemas.Order.properties.status.enum.push('REFUNDED');
        })
      )[0],
    ).toBe('orders getOrder GET /orders/{id} $.status: a value the graph does not know: REFUNDED (200 answer)');
    expect(
      await breaksAfter('inventory', (d) => {
        const body = d.paths['/reservations'].post.requestBody.content['application/json'].schema;
        body.properties.warehouse = { type: 'string' };
        body.required.push('warehouse');
      }),
    ).toEqual(['inventory reserve POST /reservations body$.warehouse: a new required field the graph does not send']);
    expect(
      await breaksAfter('personal', (d) => {
        d.paths['/users'].get.parameters[0].schema.maxItems = 50;
      }),
    ).toEqual(['personal getUsers GET /users query.ids: at most this many items: narrowed from 100 to 50']);
    expect(
      await breaksAfter('personal', (d) => {
        d.paths['/users'].get.parameters[0].name = 'id';
      }),
    ).toEqual([
      'personal getUsers GET /users query.ids: no longer taken (removed or renamed)',
      'personal getUsers GET /users query.id: a new required parameter the graph does not send',
    ]);
    expect(
      await breaksAfter('inventory', (d) => {
        delete d.paths['/reservations'].post.responses['201'];
      }),
    ).toEqual(['inventory reserve POST /reservations $: the 201 answer is gone']);
    // An error status left to `default`: what the graph reads of the refusal is gone with it.
    expect(
      await breaksAfter('inventory', (d) => {
        delete d.paths['/reservations'].post.responses['409'];
      }),
    ).toEqual([
      'inventory reserve POST /reservations $.error.code: no longer limited to OUT_OF_STOCK (409 answer)',
      'inventory reserve POST /reservations $.error.productId: removed or renamed (409 answer)',
    ]);
  });
});

describe('breaks a reading of types alone missed (findings 8 and 9)', () => {
  it('names a change of how a parameter is written: explode, style, allowReserved, content', async () => {
    const where = 'personal getUsers GET /users query.ids';
    expect(await breaksAfter('personal', (d) => delete d.paths['/users'].get.parameters[0].explode)).toEqual([
      `${where}: written differently: explode false became true`,
    ]);
    expect(await breaksAfter('personal', (d) => (d.paths['/users'].get.parameters[0].style = 'pipeDelimited'))).toEqual([
      `${where}: written differently: style form became pipeDelimited`,
    ]);
    expect(await breaksAfter('personal', (d) => (d.paths['/users'].get.parameters[0].allowReserved = true))).toEqual([
      `${where}: written differently: allowReserved false became true`,
    ]);
    expect(
      await breaksAfter('personal', (d) => {
        const parameter = d.paths['/users'].get.parameters[0];
        parameter.content = { 'application/json': { schema: parameter.schema } };
        delete parameter.schema;
        delete parameter.style;
        delete parameter.explode;
      }),
    ).toContain(`${where}: written differently: content none became application/json`);
    // What does not change the bytes is no break: explode said where it was the default.
    expect(await breaksAfter('personal', (d) => (d.paths['/users/{id}'].get.parameters[0].explode = false))).toEqual([]);
  });

  it('names a field the graph reads that lost its type: not, {}, true, false', async () => {
    const at = (field: string) => [`personal getUser GET /users/{id} $.${field}`, `personal getUsers GET /users $.users[].${field}`];
    expect(await breaksAfter('personal', (d) => (d.components.schemas.User.properties.name = { not: { type: 'string' } }))).toEqual(
      at('name').map((where) => `${where}: type changed from string to any (no type) (200 answer)`),
    );
    expect(
      await breaksAfter('personal', (d) => (d.components.schemas.User.properties.name = { type: 'string', not: { type: 'string' } })),
    ).toEqual(at('name').map((where) => `${where}: no longer a string (excluded by not) (200 answer)`));
    expect(await breaksAfter('personal', (d) => (d.components.schemas.User.properties.id = {}))).toEqual(
      at('id').map((where) => `${where}: type changed from string to any (no type) (200 answer)`),
    );
    expect(await breaksAfter('personal', (d) => (d.components.schemas.User.properties.id = true))).toEqual(
      at('id').map((where) => `${where}: type changed from string to any (no type) (200 answer)`),
    );
    expect(await breaksAfter('personal', (d) => (d.components.schemas.User.properties.id = false))).toEqual(
      at('id').map((where) => `${where}: no value is valid any more (schema false) (200 answer)`),
    );
  });

  it('cuts a published value short where a message echoes it', async () => {
    const [line] = await breaksAfter('orders', (d) => d.components.schemas.Order.properties.status.enum.push('X'.repeat(10_000)));
    expect(line!.length).toBeLessThan(400);
    expect(line).toContain('(cut short)');
  });
});

describe('npm run check:upstreams', () => {
  let demo: DemoServices;
  const run = (env: Record<string, string>) =>
    promisify(execFile)(process.execPath, ['--import', 'tsx', 'server/upstream-check-command.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...env },
    }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );

  beforeAll(async () => {
    demo = await startDemoServices();
  });
  afterAll(async () => {
    await demo.close();
  });

  it('finds the demo services compatible, each document read from <SERVICE>_API_URL/openapi.json: exit 0', async () => {
    const env = Object.fromEntries(SERVICE_NAMES.map((s) => [`${s.toUpperCase()}_API_URL`, demo.urls[s]]));
    const { code, stdout } = await run(env);
    expect(stdout.trim().split('\n')).toEqual(SERVICE_NAMES.map((s) => `${s}: compatible (${demo.urls[s]}/openapi.json)`));
    expect(code).toBe(0);
  });

  it('reads <SERVICE>_OPENAPI (a YAML file, a JSON URL), prints each break and exits 1', async () => {
    const drifted = document('personal');
    drifted.components.schemas.User.properties.email = { type: ['string', 'null'] };
    const file = join(mkdtempSync(join(tmpdir(), 'upstream-check-')), 'personal.yaml');
    writeFileSync(file, stringify(drifted));
    const professional = document('professional');
    delete professional.paths['/profiles/{userId}'];
    const server = createServer((_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(professional)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/openapi.json`;
      const env = Object.fromEntries(SERVICE_NAMES.map((s) => [`${s.toUpperCase()}_API_URL`, demo.urls[s]]));
      const { code, stdout } = await run({ ...env, PERSONAL_OPENAPI: file, PROFESSIONAL_OPENAPI: url });
      expect(stdout.trim().split('\n')).toEqual([
        'personal getUser GET /users/{id} $.email: became nullable (200 answer)',
        'personal getUsers GET /users $.users[].email: became nullable (200 answer)',
        `personal: 2 break(s) (${file})`,
        'professional getProfile GET /profiles/{userId} $: the operation is gone (no such path and method in the published document)',
        `professional: 1 break(s) (${url})`,
        ...SERVICE_NAMES.slice(2).map((s) => `${s}: compatible (${demo.urls[s]}/openapi.json)`),
      ]);
      expect(code).toBe(1);
    } finally {
      server.close();
    }
  });

  it('with no *_API_URL, checks the services <SERVICE>_OPENAPI does not name at the embedded demo services', async () => {
    const { code, stdout } = await run({ PERSONAL_OPENAPI: join(root, 'contracts', 'personal.openapi.yaml') });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe(`personal: compatible (${join(root, 'contracts', 'personal.openapi.yaml')})`);
    expect(lines.slice(1).map((line) => line.replace(/:\d+\//, ':PORT/'))).toEqual(
      SERVICE_NAMES.filter((s) => s !== 'personal').map((s) => `${s}: compatible (http://127.0.0.1:PORT/openapi.json)`),
    );
    expect(code).toBe(0);
  });

  it('follows a $ref to another file, relative to the document', async () => {
    const drifted = document('personal');
    const folder = mkdtempSync(join(tmpdir(), 'upstream-check-'));
    writeFileSync(join(folder, 'schemas.yaml'), stringify({ User: { ...drifted.components.schemas.User, required: ['id', 'name'] } }));
    drifted.components.schemas.User = { $ref: './schemas.yaml#/User' };
    writeFileSync(join(folder, 'personal.yaml'), stringify(drifted));
    const env = Object.fromEntries(SERVICE_NAMES.map((s) => [`${s.toUpperCase()}_API_URL`, demo.urls[s]]));
    const { code, stdout } = await run({ ...env, PERSONAL_OPENAPI: join(folder, 'personal.yaml') });
    expect(stdout).toContain('personal getUser GET /users/{id} $.email: became optional (200 answer)');
    expect(code).toBe(1);
  });

  /** A server of the given documents by path (a function: an answer of its own), on 127.0.0.1; closed after the test. */
  async function serve(routes: Record<string, object | ((res: ServerResponse) => void)>): Promise<string> {
    const server = createServer((req, res) => {
      const route = routes[req.url ?? ''];
      if (route === undefined) return void res.writeHead(404).end();
      if (typeof route === 'function') return route(res);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(route));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    opened.push(server);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  const opened: Server[] = [];
  afterEach(() => {
    for (const server of opened.splice(0)) {
      server.closeAllConnections();
      server.close();
    }
  });
  const demoEnv = () => Object.fromEntries(SERVICE_NAMES.map((s) => [`${s.toUpperCase()}_API_URL`, demo.urls[s]]));
  /** The personal document with its User schema replaced by `ref`. */
  const personalWithUser = (user: object) => {
    const published = document('personal');
    published.components.schemas.User = user;
    return published;
  };

  it('passes a document published at a loopback address whose $ref is relative to it (finding 10)', async () => {
    const base = await serve({
      '/openapi.json': personalWithUser({ $ref: './user.json' }),
      '/user.json': document('personal').components.schemas.User,
    });
    const { code, stdout } = await run({ ...demoEnv(), PERSONAL_OPENAPI: `${base}/openapi.json` });
    expect(stdout).toContain(`personal: compatible (${base}/openapi.json)`);
    expect(code).toBe(0);
  });

  it("never reads a local file for a fetched document, nor a file outside a local document's folder (finding 6)", async () => {
    // A path is a path on the document's own server (which has none here); a file: URL is refused.
    for (const [ref, said] of [
      ['file:///etc/passwd', /refused file:\/\/\/etc\/passwd: a document fetched from a URL may not name a local file/],
      ['/etc/passwd', /http:\/\/127\.0\.0\.1:\d+\/etc\/passwd answered 404/],
      ['../../../../../../etc/passwd', /http:\/\/127\.0\.0\.1:\d+\/etc\/passwd answered 404/],
    ] as const) {
      const base = await serve({ '/openapi.json': personalWithUser({ $ref: ref }) });
      const { code, stdout } = await run({ ...demoEnv(), PERSONAL_OPENAPI: `${base}/openapi.json` });
      expect(stdout.split('\n')[0]).toMatch(said);
      expect(stdout).not.toContain('root:');
      expect(code).toBe(1);
    }
    const folder = mkdtempSync(join(tmpdir(), 'upstream-check-'));
    for (const ref of ['file:///etc/passwd', '../../../../../../etc/passwd']) {
      writeFileSync(join(folder, 'personal.json'), JSON.stringify(personalWithUser({ $ref: ref })));
      const { stdout } = await run({ ...demoEnv(), PERSONAL_OPENAPI: join(folder, 'personal.json') });
      expect(stdout).toMatch(/^personal: cannot check .*refused .*outside the document's folder/m);
      expect(stdout).not.toContain('root:');
    }
  });

  it('refuses another origin unless OPENAPI_REF_ORIGINS allows it, and checks each redirect as the document', async () => {
    const other = await serve({ '/user.json': document('personal').components.schemas.User });
    const base = await serve({
      '/openapi.json': personalWithUser({ $ref: `${other}/user.json` }),
      '/redirected.json': personalWithUser({ $ref: './away.json' }),
      '/away.json': (res) => res.writeHead(302, { location: `${other}/user.json` }).end(),
      '/loop.json': (res) => res.writeHead(302, { location: '/loop.json' }).end(),
    });
    const refused = await run({ ...demoEnv(), PERSONAL_OPENAPI: `${base}/openapi.json` });
    expect(refused.stdout).toMatch(
      /^personal: cannot check .*refused http:\/\/127\.0\.0\.1:\d+\/user\.json: not on the document's origin/m,
    );
    const allowed = await run({ ...demoEnv(), PERSONAL_OPENAPI: `${base}/openapi.json`, OPENAPI_REF_ORIGINS: other });
    expect(allowed.stdout).toContain(`personal: compatible (${base}/openapi.json)`);
    const redirected = await run({ ...demoEnv(), PERSONAL_OPENAPI: `${base}/redirected.json` });
    expect(redirected.stdout).toMatch(/^personal: cannot check .*not on the document's origin/m);
    const loop = await run({ ...demoEnv(), PERSONAL_OPENAPI: `${base}/loop.json` });
    expect(loop.stdout).toMatch(/^personal: cannot check .*more than 5 redirects/m);
  });

  it('stops at a size and a time: /dev/zero, an endless body, a server that never answers (finding 7)', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'upstream-check-'));
    symlinkSync('/dev/zero', join(folder, 'zero.json'));
    writeFileSync(join(folder, 'personal.json'), JSON.stringify(personalWithUser({ $ref: './zero.json' })));
    const zero = await run({ ...demoEnv(), PERSONAL_OPENAPI: join(folder, 'personal.json') });
    expect(zero.stdout).toMatch(/^personal: cannot check .*refused .*zero\.json/m);
    const direct = await run({ ...demoEnv(), PERSONAL_OPENAPI: '/dev/zero' });
    expect(direct.stdout).toMatch(/^personal: cannot check \/dev\/zero: refused \/dev\/zero: not a regular file/m);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const base = await serve({
      '/openapi.json': personalWithUser({ $ref: './endless.json' }),
      '/endless.json': (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const more = () => {
          while (!res.destroyed && res.write(chunk));
          if (!res.destroyed) res.once('drain', more);
        };
        more();
      },
      '/silent.json': () => undefined,
    });
    const endless = await run({ ...demoEnv(), PERSONAL_OPENAPI: `${base}/openapi.json` });
    expect(endless.stdout).toMatch(/^personal: cannot check .*too large: .*endless\.json is over 10485760 bytes/m);
    const silent = await run({ ...demoEnv(), PERSONAL_OPENAPI: `${base}/silent.json`, OPENAPI_TIMEOUT_MS: '500' });
    expect(silent.stdout).toMatch(/^personal: cannot check .*timed out/m);
  });

  it('says which service it cannot check, and exits 1', async () => {
    const env = Object.fromEntries(SERVICE_NAMES.map((s) => [`${s.toUpperCase()}_API_URL`, demo.urls[s]]));
    const { code, stdout } = await run({ ...env, ORDERS_OPENAPI: join(root, 'no-such-file.yaml') });
    expect(stdout).toMatch(/^orders: cannot check .*no-such-file\.yaml: ENOENT/m);
    expect(code).toBe(1);
  });
});
