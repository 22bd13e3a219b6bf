/**
 * `npm run check:upstreams`: a service's published document that no longer gives the graph what
 * it uses is caught, one line per break, before a deployment meets it; one that only adds is not.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
  return upstreamBreaks(service, await dereferenced(document(service)), await dereferenced(published)).map(formatBreak);
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
        ...(['orders', 'inventory', 'notifications'] as const).map((s) => `${s}: compatible (${demo.urls[s]}/openapi.json)`),
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
      (['professional', 'orders', 'inventory', 'notifications'] as const).map(
        (s) => `${s}: compatible (http://127.0.0.1:PORT/openapi.json)`,
      ),
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

  it('says which service it cannot check, and exits 1', async () => {
    const env = Object.fromEntries(SERVICE_NAMES.map((s) => [`${s.toUpperCase()}_API_URL`, demo.urls[s]]));
    const { code, stdout } = await run({ ...env, ORDERS_OPENAPI: join(root, 'no-such-file.yaml') });
    expect(stdout).toMatch(/^orders: cannot check .*no-such-file\.yaml: ENOENT/m);
    expect(code).toBe(1);
  });
});
