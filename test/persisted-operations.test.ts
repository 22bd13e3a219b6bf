/**
 * Persisted operations from a frontend's repo (its manifest, read at start and on SIGHUP),
 * sent by `documentId` over POST and GET, and Apollo's automatic persisted queries, which
 * register a document only where arbitrary operations may run.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnServer } from './support/server-process.js';
import { graphHarness } from './support/harness.js';
import { processHarness } from './support/process-harness.js';

const start = graphHarness();
const processes = processHarness();

const sha256 = (document: string) => createHash('sha256').update(document).digest('hex');
const TEAM_PAGE = 'query TeamPage { users(ids: ["u1", "u3"]) { id personal { name } } }';
const TEAM_ANSWER = {
  data: {
    users: [
      { id: 'u1', personal: { name: 'Ada Lovelace' } },
      { id: 'u3', personal: { name: 'Grace Hopper' } },
    ],
  },
};
const PROFILE_CARD = 'query ProfileCard { user(id: "u2") { personal { name } } }';

/** The hash of one of the graph's own example operations, from its manifest. */
function ownHash(operation: string): string {
  const own = JSON.parse(readFileSync(new URL('../generated/client/persisted-documents.json', import.meta.url), 'utf8')) as Record<
    string,
    string
  >;
  return Object.entries(own).find(([, document]) => document.startsWith(`query ${operation}(`))![0];
}

/** A frontend's manifest, as the client preset writes it, in a fresh folder. */
function manifest(documents: readonly string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), 'manifest-')), 'persisted-documents.json');
  writeManifest(file, documents);
  return file;
}

function writeManifest(file: string, documents: readonly string[]): void {
  writeFileSync(file, JSON.stringify(Object.fromEntries(documents.map((document) => [`sha256:${sha256(document)}`, document]))));
}

async function post(
  url: string,
  body: unknown,
): Promise<{ status: number; body: { data?: unknown; errors?: { extensions?: unknown }[] } }> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: { extensions?: unknown }[] } };
}

const codeOf = (answer: { body: { errors?: { extensions?: unknown }[] } }) =>
  (answer.body.errors?.[0]?.extensions as { code?: string })?.code;

describe("a frontend's manifest (PERSISTED_OPERATIONS_FILE)", () => {
  it('its operations run by documentId, over POST and GET, beside the graph own; nothing else runs', async () => {
    const { graph } = await start({}, { PERSISTED_OPERATIONS_ONLY: 'on', PERSISTED_OPERATIONS_FILE: manifest([TEAM_PAGE]) });
    expect(await post(graph.url, { documentId: `sha256:${sha256(TEAM_PAGE)}` })).toEqual({ status: 200, body: TEAM_ANSWER });
    const get = await fetch(`${graph.url}/graphql?documentId=sha256:${sha256(TEAM_PAGE)}`, {
      headers: { accept: 'application/graphql-response+json' },
    });
    expect(await get.json()).toEqual(TEAM_ANSWER);
    // Apollo's form of the hash, bare hex.
    const apollo = await post(graph.url, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(TEAM_PAGE) } } });
    expect(apollo.body).toEqual(TEAM_ANSWER);
    // The graph's own example operations still run; a document sent whole does not.
    const own = await post(graph.url, { documentId: ownHash('Profile'), variables: { id: 'u1' } });
    expect(own.body.data).toEqual({ user: expect.objectContaining({ id: 'u1' }) });
    expect(codeOf(await post(graph.url, { query: TEAM_PAGE }))).toBe('PERSISTED_QUERY_ONLY');
  });

  it('is read again on SIGHUP; a manifest that cannot be read then leaves the last set in place', async () => {
    const { urlEnv } = await processes.fakes();
    const file = manifest([TEAM_PAGE]);
    const { server, url } = await processes.server({ ...urlEnv, PERSISTED_OPERATIONS_ONLY: 'on', PERSISTED_OPERATIONS_FILE: file });
    const card = { documentId: `sha256:${sha256(PROFILE_CARD)}` };
    expect(codeOf(await post(url, card))).toBe('PERSISTED_QUERY_NOT_FOUND');

    writeManifest(file, [TEAM_PAGE, PROFILE_CARD]);
    server.child.kill('SIGHUP');
    await server.waitFor(/SIGHUP: \d+ persisted operations/);
    expect((await post(url, card)).body).toEqual({ data: { user: { personal: { name: 'Alan Turing' } } } });

    writeFileSync(file, '{"sha256:abc": ');
    server.child.kill('SIGHUP');
    await server.waitFor(
      /SIGHUP: the persisted operations were kept as they were: persisted operations manifest .*persisted-documents\.json/,
    );
    expect((await post(url, card)).body).toEqual({ data: { user: { personal: { name: 'Alan Turing' } } } });
  });

  it('one that cannot be read at start stops the start, saying why', async () => {
    const server = spawnServer({ PORT: '0', HOST: '127.0.0.1', PERSISTED_OPERATIONS_FILE: '/nonexistent/persisted-documents.json' });
    expect(await server.exited).toBe(2);
    expect(server.output()).toMatch(/Configuration error: PERSISTED_OPERATIONS_FILE: persisted operations manifest \/nonexistent/);
  });
});

describe("automatic persisted queries (Apollo's protocol)", () => {
  const hashOnly = { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(TEAM_PAGE) } } };
  const withDocument = { query: TEAM_PAGE, ...hashOnly };

  it('an unknown hash is PERSISTED_QUERY_NOT_FOUND (404); sent again with its document it runs and is kept', async () => {
    const { graph } = await start();
    const first = await post(graph.url, hashOnly);
    expect([first.status, codeOf(first)]).toEqual([404, 'PERSISTED_QUERY_NOT_FOUND']);
    expect(await post(graph.url, withDocument)).toEqual({ status: 200, body: TEAM_ANSWER });
    expect(await post(graph.url, hashOnly)).toEqual({ status: 200, body: TEAM_ANSWER });
  });

  it('a document that is not what its hash names is PERSISTED_QUERY_MISMATCH, and is not kept', async () => {
    const { graph } = await start();
    const lying = await post(graph.url, { query: PROFILE_CARD, ...hashOnly });
    expect([lying.status, codeOf(lying)]).toEqual([400, 'PERSISTED_QUERY_MISMATCH']);
    expect(codeOf(await post(graph.url, hashOnly))).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('with PERSISTED_OPERATIONS_ONLY=on nothing is ever registered', async () => {
    const { graph } = await start({}, { PERSISTED_OPERATIONS_ONLY: 'on' });
    expect(codeOf(await post(graph.url, withDocument))).toBe('PERSISTED_QUERY_ONLY');
    expect(codeOf(await post(graph.url, hashOnly))).toBe('PERSISTED_QUERY_NOT_FOUND');
  });
});
