/**
 * Persisted operations: documents a client sends by hash instead of whole.
 *
 * - Manifests: the graph's own (`generated/client/persisted-documents.json`) and those of the
 *   frontends' repos (`PERSISTED_OPERATIONS_FILE`), in the client preset's format
 *   (`{"sha256:<hex>": "<document>"}`, the bare hex too), read at start and again on SIGHUP.
 *   A hash is looked up with or without its `sha256:` prefix.
 * - Sent as `documentId` (GraphQL over HTTP, POST body or GET query string) or as Apollo's
 *   `extensions.persistedQuery.sha256Hash`.
 * - Automatic persisted queries (Apollo's protocol), while arbitrary operations are allowed:
 *   a hash the graph does not know is `PERSISTED_QUERY_NOT_FOUND`; the client sends it again
 *   with the document, whose SHA-256 must be the hash, and the graph keeps it (in memory, per
 *   process, least recently used out). With `PERSISTED_OPERATIONS_ONLY=on` nothing is ever
 *   kept: only the manifests' operations run.
 *
 * The APQ part is ours, not @graphql-yoga/plugin-apq: its 3.6 declares a peer dependency on
 * @graphql-tools/utils 10 (this project has 13), which npm refuses; what it does is the
 * protocol below, with the same codes.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { LRUCache } from 'lru-cache';
import type { Plugin } from 'graphql-yoga';
import { z } from 'zod';
import { persistedQueryMismatch, persistedQueryNotFound } from '../errors/graph-errors.js';

const manifestSchema = z.record(z.string().min(1), z.string().min(1));

/** Documents by hash, from manifest files; `reload()` reads them again. */
export class PersistedDocuments {
  private documents: Map<string, string>;

  constructor(private readonly files: readonly string[]) {
    this.documents = this.read();
  }

  /** The document of `hash` (`sha256:<hex>` or `<hex>`), if a manifest has it. */
  get(hash: string): string | undefined {
    return this.documents.get(bare(hash));
  }

  /** Reads every manifest again; a file that cannot be read or parsed leaves the last set in place (and throws). */
  reload(): number {
    this.documents = this.read();
    return this.documents.size;
  }

  private read(): Map<string, string> {
    const documents = new Map<string, string>();
    for (const file of this.files) {
      let parsed: Record<string, string>;
      try {
        parsed = manifestSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
      } catch (error) {
        const reason = error instanceof z.ZodError ? 'not {"<hash>": "<document>"}' : String(error);
        throw new Error(`persisted operations manifest ${file}: ${reason}`, { cause: error });
      }
      for (const [hash, document] of Object.entries(parsed)) documents.set(bare(hash), document);
    }
    return documents;
  }
}

/** `sha256:<hex>` or `<hex>`: the hex, lower case. */
function bare(hash: string): string {
  return (hash.startsWith('sha256:') ? hash.slice('sha256:'.length) : hash).toLowerCase();
}

interface ApqExtension {
  readonly version: 1;
  readonly sha256Hash: string;
}

function apqExtension(extensions: unknown): ApqExtension | undefined {
  const persisted = (extensions as { persistedQuery?: unknown } | undefined)?.persistedQuery as Partial<ApqExtension> | undefined;
  return persisted?.version === 1 && typeof persisted.sha256Hash === 'string' ? (persisted as ApqExtension) : undefined;
}

/** At most this many registered documents, and this many characters of them, per process. */
const APQ_MAX_DOCUMENTS = 1000;
const APQ_MAX_CHARACTERS = 10 * 1024 * 1024;

/**
 * Automatic persisted queries, for a server that runs arbitrary operations: hash only → the
 * document from a manifest or the ones registered, else `PERSISTED_QUERY_NOT_FOUND`; hash and
 * document → checked and registered. Runs before yoga's persisted-operations plugin, which then
 * sees a document and lets it run.
 */
export function useAutomaticPersistedQueries(manifests: PersistedDocuments): Plugin {
  const registered = new LRUCache<string, string>({
    max: APQ_MAX_DOCUMENTS,
    maxSize: APQ_MAX_CHARACTERS,
    sizeCalculation: (document) => Math.max(1, document.length),
  });
  return {
    onParams({ params, setParams }) {
      const apq = apqExtension(params.extensions);
      if (apq === undefined) return;
      const hash = bare(apq.sha256Hash);
      if (typeof params.query !== 'string' || params.query === '') {
        const query = manifests.get(hash) ?? registered.get(hash);
        if (query === undefined) throw persistedQueryNotFound();
        setParams({ ...params, query });
        return;
      }
      if (createHash('sha256').update(params.query).digest('hex') !== hash) throw persistedQueryMismatch();
      if (manifests.get(hash) === undefined) registered.set(hash, params.query);
    },
  };
}
