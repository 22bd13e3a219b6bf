/**
 * Hostile input and outages, third round: the surfaces added for onError, persisted
 * operations, automatic persisted queries, the subgraph and the Redis store. One test (or a
 * few) per finding of the probe; each failed before its change.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startDemoServices } from '../demo/services.js';
import { MAX_MANIFEST_BYTES } from '../security/persisted-operations.js';
import { ownPersistedDocumentsPath } from '../server/project-files.js';
import { demoRoutes } from '../demo/settings-routes.js';
import { createGraphLogger } from '../telemetry/logger.js';
import { startContractFakes } from './support/contract-fakes.js';
import { json, type Handler } from './support/fake-upstream.js';
import { startGraph } from './support/graph.js';
import { graphHarness } from './support/harness.js';
import { parts } from './support/multipart.js';
import { processHarness } from './support/process-harness.js';
import { bearer, hmacToken, HMAC_AUTH } from './support/tokens.js';

const start = graphHarness();

const sha256 = (document: string) => createHash('sha256').update(document).digest('hex');
const failing: Handler = (_request, res) => json(res, 500, { error: { code: 'BROKEN', message: 'broken' } });

interface Answer {
  status: number;
  body: { data?: unknown; errors?: { message: string; path?: unknown; extensions?: Record<string, unknown> }[] };
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

/** A frontend's manifest, as the client preset writes it, in a fresh folder. */
function manifestFile(entries: Record<string, string>): string {
  const file = join(mkdtempSync(join(tmpdir(), 'manifest-')), 'persisted-documents.json');
  writeFileSync(file, JSON.stringify(entries));
  return file;
}

const PROFILE = 'query Profile { user(id: "u1") { personal { name } professional { title } } }';
const PROFILE_ID = `sha256:${sha256(PROFILE)}`;
const HALTED = {
  data: null,
  errors: [
    expect.objectContaining({ path: ['user', 'professional'], extensions: expect.objectContaining({ code: 'UPSTREAM_UNAVAILABLE' }) }),
  ],
};

describe('onError with persisted operations (finding 1)', () => {
  it('is honoured from the POST body, the header and the GET query string, persisted-only mode included', async () => {
    const { graph } = await start(
      { professional: failing },
      { PERSISTED_OPERATIONS_FILE: manifestFile({ [PROFILE_ID]: PROFILE }), PERSISTED_OPERATIONS_ONLY: 'on' },
    );
    // Without a mode: the partial result.
    expect((await post(graph.url, { documentId: PROFILE_ID })).body.data).toEqual({
      user: { personal: { name: 'Ada Lovelace' }, professional: null },
    });
    expect((await post(graph.url, { documentId: PROFILE_ID, onError: 'HALT' })).body).toEqual(HALTED);
    expect((await post(graph.url, { documentId: PROFILE_ID }, { 'x-graph-on-error': 'HALT' })).body).toEqual(HALTED);
    const viaGet = await fetch(`${graph.url}/graphql?documentId=${encodeURIComponent(PROFILE_ID)}&onError=HALT`, {
      headers: { accept: 'application/graphql-response+json' },
    });
    expect(await viaGet.json()).toEqual(HALTED);
    // An Apollo client's hash (extensions.persistedQuery) keeps it too.
    const apollo = await post(graph.url, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(PROFILE) } }, onError: 'HALT' });
    expect(apollo.body).toEqual(HALTED);
  });
});

describe('automatic persisted queries and refused callers (finding 5)', () => {
  const DOCUMENT = 'query Mine { user(id: "u1") { id } }';
  const apq = (hash: string, query?: string) => ({
    ...(query === undefined ? {} : { query }),
    extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
  });

  it('a document sent without a token is refused and not kept', async () => {
    const { graph } = await start({}, HMAC_AUTH);
    const anonymous = await post(graph.url, apq(sha256(DOCUMENT), DOCUMENT));
    expect([anonymous.status, anonymous.body.errors?.[0]?.extensions?.code]).toEqual([401, 'UNAUTHENTICATED']);
    // A signed-in client sending the hash alone: nobody registered it.
    const signedIn = await post(graph.url, apq(sha256(DOCUMENT)), bearer(await hmacToken('u1')));
    expect([signedIn.status, signedIn.body.errors?.[0]?.extensions?.code]).toEqual([404, 'PERSISTED_QUERY_NOT_FOUND']);
  });

  it('an anonymous hash-only request is answered the same for a known hash and an unknown one', async () => {
    const { graph } = await start({}, HMAC_AUTH);
    const token = bearer(await hmacToken('u1'));
    expect((await post(graph.url, apq(sha256(DOCUMENT), DOCUMENT), token)).body).toEqual({ data: { user: { id: 'u1' } } });
    const known = await post(graph.url, apq(sha256(DOCUMENT)));
    const unknown = await post(graph.url, apq(sha256('query Other { __typename }')));
    expect(known).toEqual(unknown);
    expect([known.status, known.body.errors?.[0]?.extensions?.code]).toEqual([401, 'UNAUTHENTICATED']);
  });
});

describe('query and documentId together (finding 11)', () => {
  it('is a 400 that says to send one or the other, with a code', async () => {
    const { graph } = await start();
    const both = await post(graph.url, { query: PROFILE, documentId: PROFILE_ID });
    expect(both.status).toBe(400);
    expect(both.body.errors).toEqual([
      {
        message: 'Send either the document (query) or the hash of a persisted operation (documentId), not both.',
        extensions: { code: 'BAD_REQUEST' },
      },
    ]);
  });
});

describe('the subgraph SDL in production (finding 6)', () => {
  const SDL = '{ _service { sdl } }';

  it('is refused like introspection, with a code, unless SUBGRAPH_SDL=on; the rest of the subgraph stays served', async () => {
    const { graph } = await start({}, { NODE_ENV: 'production', CSRF_PREVENTION: 'off' });
    const refused = await graph.query(SDL);
    expect(refused.status).toBe(400);
    expect(refused.body.data).toBeUndefined();
    expect(refused.body.errors?.map((e) => e.extensions?.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(JSON.stringify(refused.body)).not.toContain('type User');
    // Through a fragment too.
    expect((await graph.query('{ ... on Query { _service { sdl } } }')).status).toBe(400);
    // A router resolving references, and the onError discovery, still answer.
    const entities = await graph.query('query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id } } }', {
      r: [{ __typename: 'User', id: 'u1' }],
    });
    expect(entities.body).toEqual({ data: { _entities: [{ id: 'u1' }] } });
    expect((await graph.query('{ __service { capabilities { identifier } } }')).status).toBe(200);

    const { graph: router } = await start({}, { NODE_ENV: 'production', CSRF_PREVENTION: 'off', SUBGRAPH_SDL: 'on' });
    const served = await router.query(SDL);
    expect((served.body.data as { _service: { sdl: string } })._service.sdl).toContain('type User');
  });

  it('is served outside production, as introspection is', async () => {
    const { graph } = await start();
    expect(((await graph.query(SDL)).body.data as { _service: { sdl: string } })._service.sdl).toContain('type User');
  });
});

describe('the demo controls take JSON only (finding 10)', () => {
  it('a text/plain or form body (no preflight needed from a web page) is refused 415 and changes nothing', async () => {
    const demo = await startDemoServices();
    const server = createServer((req, res) => {
      if (!demoRoutes(demo)(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const hang = JSON.stringify({ orders: { fault: 'hang' } });
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
        const refused = await fetch(`${base}/demo/settings`, { method: 'PUT', headers: { 'content-type': type }, body: hang });
        expect([refused.status, ((await refused.json()) as Answer['body']).errors?.[0]?.extensions?.code]).toEqual([
          415,
          'UNSUPPORTED_MEDIA_TYPE',
        ]);
        const own = await fetch(`${demo.urls.orders}/_demo/settings`, {
          method: 'PUT',
          headers: { 'content-type': type },
          body: JSON.stringify({ fault: 'hang' }),
        });
        expect(own.status).toBe(415);
      }
      expect(demo.servers.orders.settings.fault).toBe('none');
      const accepted = await fetch(`${base}/demo/settings`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: hang });
      expect(accepted.status).toBe(200);
      expect(demo.servers.orders.settings.fault).toBe('hang');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await demo.close();
    }
  });
});

describe('malformed _entities representations (finding 3)', () => {
  it('are each BAD_USER_INPUT at their own path, their neighbours resolved, nothing logged as a bug', async () => {
    const lines: string[] = [];
    const logger = createGraphLogger('info', { write: (line: string) => lines.push(line) });
    const fakes = await startContractFakes({});
    const graph = await startGraph(fakes.urls, {}, { logger });
    try {
      const representations = [
        { __typename: 'User', id: 'u1' },
        { id: 'u2' },
        { __typename: 'Nope', id: 'u2' },
        { __typename: 'Product', id: 'p1' },
        { __typename: 'Query' },
        'u2',
        { __typename: 'User', id: null },
        { __typename: 'User' },
        { __typename: 'User', id: 5 },
        { __typename: 'User', id: { id: 'u2' } },
        { __typename: 'User', id: ['u2'] },
        { __typename: 'User', id: 'u3' },
      ];
      const { status, body } = await graph.query(
        'query ($r: [_Any!]!) { _entities(representations: $r) { ... on User { id personal { name } } } }',
        { r: representations },
      );
      expect(status).toBe(200);
      expect(body.data).toEqual({
        _entities: [
          { id: 'u1', personal: { name: 'Ada Lovelace' } },
          ...Array.from({ length: 10 }, () => null),
          { id: 'u3', personal: { name: 'Grace Hopper' } },
        ],
      });
      expect(body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual(
        Array.from({ length: 10 }, (_, i) => [['_entities', i + 1], 'BAD_USER_INPUT']),
      );
      expect(body.errors?.[8]?.message).toBe(
        'representations[9] has no id string: User is resolved by its key "id", an ID sent as a string.',
      );
      // The two good ones in one batch call.
      expect(fakes.personal.requests.map((r) => r.url)).toEqual(['/users?ids=u1,u3']);
      expect(lines.filter((line) => /"level":"error"|INTERNAL_SERVER_ERROR|\bat \S+ \(/.test(line))).toEqual([]);
    } finally {
      await graph.close();
      await fakes.close();
    }
  });
});

describe('persisted-operation manifests are checked, not trusted (findings 7 and 8)', () => {
  const processes = processHarness();
  const TEAM = 'query Team { users(ids: ["u1"]) { id } }';
  const OTHER = 'query Other { user(id: "u2") { id } }';

  it('a key that is not its document’s SHA-256 stops the start, saying which', async () => {
    const lying = manifestFile({ [`sha256:${sha256(TEAM)}`]: OTHER });
    await expect(start({}, { PERSISTED_OPERATIONS_FILE: lying })).rejects.toThrow(
      `persisted operations manifest ${lying}: the key sha256:${sha256(TEAM)} is not the SHA-256 of its document`,
    );
    // A later manifest cannot put another document under a hash an earlier one (the graph's own) has.
    const own = Object.keys(JSON.parse(readFileSync(ownPersistedDocumentsPath(), 'utf8')) as Record<string, string>)[0]!;
    await expect(start({}, { PERSISTED_OPERATIONS_FILE: manifestFile({ [own]: OTHER }) })).rejects.toThrow(
      'is not the SHA-256 of its document',
    );
  });

  it('an empty manifest is a warning; the others still serve', async () => {
    const lines: string[] = [];
    const fakes = await startContractFakes({});
    const empty = manifestFile({});
    const graph = await startGraph(
      fakes.urls,
      { PERSISTED_OPERATIONS_FILE: `${empty},${manifestFile({ [`sha256:${sha256(TEAM)}`]: TEAM })}` },
      { logger: createGraphLogger('info', { write: (line: string) => lines.push(line) }) },
    );
    try {
      expect(lines.filter((line) => line.includes('"level":"warn"') && line.includes(`${empty} has no operation`))).toHaveLength(1);
      expect((await post(graph.url, { documentId: `sha256:${sha256(TEAM)}` })).body).toEqual({ data: { users: [{ id: 'u1' }] } });
    } finally {
      await graph.close();
      await fakes.close();
    }
  });

  it('on SIGHUP, a lying or oversized manifest leaves the last set in place, saying why; the server serves meanwhile', async () => {
    const { urlEnv } = await processes.fakes();
    const file = manifestFile({ [`sha256:${sha256(TEAM)}`]: TEAM });
    const { server, url } = await processes.server({ ...urlEnv, PERSISTED_OPERATIONS_ONLY: 'on', PERSISTED_OPERATIONS_FILE: file });
    const team = () => post(url, { documentId: `sha256:${sha256(TEAM)}` });
    expect((await team()).body).toEqual({ data: { users: [{ id: 'u1' }] } });

    writeFileSync(file, JSON.stringify({ [`sha256:${sha256(TEAM)}`]: OTHER }));
    server.child.kill('SIGHUP');
    await server.waitFor(/SIGHUP: the persisted operations were kept as they were: .* is not the SHA-256 of its document/);
    expect((await team()).body).toEqual({ data: { users: [{ id: 'u1' }] } });

    // Past the bound: refused by its size, before it is read.
    writeFileSync(file, `{"sha256:${'0'.repeat(64)}": "${'x'.repeat(MAX_MANIFEST_BYTES)}"}`);
    server.child.kill('SIGHUP');
    await server.waitFor(new RegExp(`kept as they were: .* more than the ${MAX_MANIFEST_BYTES} a manifest may have`));
    expect((await team()).body).toEqual({ data: { users: [{ id: 'u1' }] } });
  });
});

describe('introspection under NULL with @defer (finding 2)', () => {
  it('describes the schema as written in every part of an incremental answer', async () => {
    const { graph } = await start();
    const kinds = '__type(name: "User") { fields { name type { kind } } }';
    for (const query of [`{ ${kinds} ... @defer { user(id: "u1") { id } } }`, `{ user(id: "u1") { id } ... @defer { ${kinds} } }`]) {
      const response = await fetch(`${graph.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'multipart/mixed' },
        body: JSON.stringify({ query, onError: 'NULL' }),
      });
      const types: unknown[] = [];
      for await (const part of parts(response)) {
        const found = [part.data, ...((part.incremental as { data?: unknown }[] | undefined) ?? []).map((entry) => entry.data)];
        for (const data of found) if (data !== null && typeof data === 'object' && '__type' in data) types.push(data.__type);
      }
      expect(types).toHaveLength(1);
      expect((types[0] as { fields: { name: string; type: { kind: string } }[] }).fields.find((field) => field.name === 'id')).toEqual({
        name: 'id',
        type: { kind: 'NON_NULL' },
      });
    }
  });
});
