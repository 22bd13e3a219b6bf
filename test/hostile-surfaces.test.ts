/**
 * Hostile input and outages, third round: the surfaces added for onError, persisted
 * operations, automatic persisted queries, the subgraph and the Redis store. One test (or a
 * few) per finding of the probe; each failed before its change.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { json, type Handler } from './support/fake-upstream.js';
import { graphHarness } from './support/harness.js';
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
