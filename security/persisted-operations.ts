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
import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { LRUCache } from 'lru-cache';
import type { Plugin } from 'graphql-yoga';
import { z } from 'zod';
import { persistedQueryMismatch, persistedQueryNotFound } from '../errors/graph-errors.js';

const manifestSchema = z.record(z.string().min(1), z.string().min(1));

/**
 * A manifest larger than this is refused: 10,000 operations of 1 KB are 10 MB. Read whole and
 * parsed at once, a bigger one would hold the event loop (a 149 MB one stalled every request
 * for 3.7 s and took 600 MB).
 */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

/**
 * Documents by hash, from manifest files, checked as they are read: every key must be the
 * SHA-256 of its document. A manifest that says otherwise would run a document under another's
 * name, or (a later manifest claiming the hash of an earlier one's document) replace an
 * operation with another. `reload()` reads them again without blocking requests.
 */
export class PersistedDocuments {
  private documents: Map<string, string>;
  private reloading: Promise<number> | undefined;

  constructor(
    private readonly files: readonly string[],
    /** Told what is suspicious but not wrong: a manifest with no operation. */
    private readonly warn: (message: string) => void = () => undefined,
  ) {
    this.documents = this.check(files.map((file) => [file, readSync(file)]));
  }

  /** The document of `hash` (`sha256:<hex>` or `<hex>`), if a manifest has it. */
  get(hash: string): string | undefined {
    return this.documents.get(bare(hash));
  }

  /** Every document, by its hash (bare hex). */
  all(): ReadonlyMap<string, string> {
    return this.documents;
  }

  /**
   * Reads every manifest again (asynchronously, each at most `MAX_MANIFEST_BYTES`); the number of
   * operations. A manifest that cannot be read, parsed or trusted leaves the last set in place
   * (and rejects, saying which). Reloads asked for while one runs share it.
   */
  reload(): Promise<number> {
    this.reloading ??= (async () => {
      try {
        const texts = await Promise.all(this.files.map(async (file) => [file, await readAsync(file)] as const));
        this.documents = this.check(texts);
        return this.documents.size;
      } finally {
        this.reloading = undefined;
      }
    })();
    return this.reloading;
  }

  private check(texts: readonly (readonly [string, string])[]): Map<string, string> {
    const documents = new Map<string, string>();
    for (const [file, text] of texts) {
      let parsed: Record<string, string>;
      try {
        parsed = manifestSchema.parse(JSON.parse(text));
      } catch (error) {
        const reason = error instanceof z.ZodError ? 'not {"<hash>": "<document>"}' : String(error);
        throw new Error(`persisted operations manifest ${file}: ${reason}`, { cause: error });
      }
      const entries = Object.entries(parsed);
      if (entries.length === 0) this.warn(`persisted operations manifest ${file} has no operation`);
      for (const [key, document] of entries) {
        const hash = bare(key);
        if (sha256(document) !== hash)
          throw new Error(`persisted operations manifest ${file}: the key ${key.slice(0, 80)} is not the SHA-256 of its document`);
        // Every key is its document's hash, so two manifests can only give a hash the same document.
        documents.set(hash, document);
      }
    }
    return documents;
  }
}

function tooLarge(file: string, size: number): Error {
  return new Error(`persisted operations manifest ${file}: ${size} bytes, more than the ${MAX_MANIFEST_BYTES} a manifest may have`);
}

function readSync(file: string): string {
  try {
    const { size } = statSync(file);
    if (size > MAX_MANIFEST_BYTES) throw tooLarge(file, size);
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw manifestError(file, error);
  }
}

async function readAsync(file: string): Promise<string> {
  try {
    const { size } = await stat(file);
    if (size > MAX_MANIFEST_BYTES) throw tooLarge(file, size);
    return await readFile(file, 'utf8');
  } catch (error) {
    throw manifestError(file, error);
  }
}

function manifestError(file: string, error: unknown): Error {
  if (error instanceof Error && error.message.startsWith('persisted operations manifest')) return error;
  return new Error(`persisted operations manifest ${file}: ${String(error)}`, { cause: error });
}

function sha256(document: string): string {
  return createHash('sha256').update(document).digest('hex');
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
      if (sha256(params.query) !== hash) throw persistedQueryMismatch();
      if (manifests.get(hash) === undefined) registered.set(hash, params.query);
    },
  };
}
