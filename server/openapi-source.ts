/**
 * Reading a service's OpenAPI document, and the documents its `$ref`s name, as a CI job may:
 * the document and everything it points to come from a service team, so nothing in them may make
 * the check read what it was not pointed at, or run without end.
 *
 * - A document fetched from a URL resolves references only on its own origin, or on an origin the
 *   operator allows (`allowedOrigins`); never a `file:` one.
 * - A local document's references stay under its own folder (symbolic links followed first), and
 *   name regular files; an http(s) one only on an allowed origin.
 * - Every read is bounded in bytes (`maxBytes`), every fetch in redirects (each checked as the
 *   document is) and the whole in time (`timeoutMs`): past a bound, "too large" or "timed out".
 * - Only JSON and YAML are parsed: a reference to a text or binary file is refused, not embedded.
 */
import { open, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve as resolvePath, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import $RefParser, { ResolverError, type FileInfo } from '@apidevtools/json-schema-ref-parser';
import { parse as parseYaml } from 'yaml';
import { shortened } from './shortened.js';

type Json = Record<string, unknown>;

export interface SourceLimits {
  /** The largest document or referenced document read, in bytes. @default 10 MiB */
  readonly maxBytes: number;
  /** Time for the document and all its references. @default 30000 */
  readonly timeoutMs: number;
  /** Redirects followed by one fetch. @default 5 */
  readonly maxRedirects: number;
  /** Origins (`https://schemas.example.com`) references may point at besides the document's own. @default none */
  readonly allowedOrigins: readonly string[];
}

export const DEFAULT_SOURCE_LIMITS: SourceLimits = Object.freeze({
  maxBytes: 10 * 1024 * 1024,
  timeoutMs: 30_000,
  maxRedirects: 5,
  allowedOrigins: [],
});

/** A document that could not be read within the rules: its message says which and why. */
export class SourceError extends Error {
  override readonly name = 'SourceError';
}

const isUrl = (source: string) => /^https?:\/\//i.test(source);

/** Reads the OpenAPI document at `source` (a file or an http(s) URL) and follows its `$ref`s, within `limits`. */
export async function readOpenApi(source: string, limits: SourceLimits = DEFAULT_SOURCE_LIMITS): Promise<Json> {
  const deadline = AbortSignal.timeout(limits.timeoutMs);
  const reader = new BoundedReader(source, limits, deadline);
  const text = await reader.read(isUrl(source) ? source : resolvePath(source));
  // YAML is a superset of JSON: one parser reads both.
  const document: unknown = parseYaml(text);
  if (typeof document !== 'object' || document === null || !('paths' in document))
    throw new SourceError(`${shortened(source)} is not an OpenAPI document`);
  return reader.dereference(document);
}

/**
 * The document with every `$ref` followed (json-schema-ref-parser), other files or URLs relative
 * to `base` (where it was read from) and within the rules above. A cycle stays a cycle of objects.
 */
export async function dereferenced(document: Json, base: string, limits: SourceLimits = DEFAULT_SOURCE_LIMITS): Promise<Json> {
  return new BoundedReader(base, limits, AbortSignal.timeout(limits.timeoutMs)).dereference(document);
}

class BoundedReader {
  /** The folder a local document's references must stay under, found once. */
  private folder: Promise<string> | undefined;

  constructor(
    private readonly base: string,
    private readonly limits: SourceLimits,
    private readonly deadline: AbortSignal,
  ) {}

  async dereference(document: Json): Promise<Json> {
    const base = isUrl(this.base) ? this.base : resolvePath(this.base);
    // The parser keeps a resolver's message only from its own error type.
    const resolver = {
      order: 1,
      canRead: true,
      read: (file: FileInfo) =>
        this.read(file.url).catch((error: unknown) => {
          throw new ResolverError(error instanceof Error ? error : new Error(String(error)), file.url);
        }),
    };
    try {
      return (await Promise.race([
        $RefParser.dereference(base, structuredClone(document), {
          resolve: { file: false, http: false, bounded: resolver },
          parse: { text: false, binary: false },
          dereference: { circular: true },
          timeoutMs: this.limits.timeoutMs,
        }),
        aborted(this.deadline),
      ])) as Json;
    } catch (error) {
      if (this.deadline.aborted) throw this.timedOut();
      throw new SourceError(shortened(error instanceof Error ? error.message : String(error), 300));
    }
  }

  /** The text at `location` (a URL, a path or a `file:` URL), if the rules let it be read. */
  async read(location: string): Promise<string> {
    if (isUrl(location)) return this.fetchText(location);
    if (isUrl(this.base)) throw new SourceError(`refused ${shortened(location)}: a document fetched from a URL may not name a local file`);
    const path = /^file:/i.test(location) ? fileURLToPath(location) : location;
    if (/^[a-z][a-z0-9+.-]+:/i.test(path) && !isAbsolute(path))
      throw new SourceError(`refused ${shortened(location)}: not an http(s) URL or a file`);
    return this.readFileText(path);
  }

  private async readFileText(path: string): Promise<string> {
    const folder = await (this.folder ??= realpath(dirname(resolvePath(this.base))));
    const real = await realpath(resolvePath(path));
    const inside = relative(folder, real);
    if (isAbsolute(inside) || inside.split(sep)[0] === '..')
      throw new SourceError(`refused ${shortened(path)}: outside the document's folder ${shortened(folder)}`);
    const file = await open(real, 'r');
    try {
      const stats = await file.stat();
      if (!stats.isFile()) throw new SourceError(`refused ${shortened(path)}: not a regular file`);
      if (stats.size > this.limits.maxBytes) throw this.tooLarge(path);
      const buffer = Buffer.alloc(stats.size);
      const { bytesRead } = await file.read(buffer, 0, stats.size, 0);
      return buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await file.close();
    }
  }

  private allowed(url: URL): boolean {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    const own = isUrl(this.base) ? new URL(this.base).origin : undefined;
    return url.origin === own || this.limits.allowedOrigins.includes(url.origin);
  }

  /** GETs `location` and the redirects it answers, each one checked as the document is. */
  private async fetchText(location: string): Promise<string> {
    let url = new URL(location);
    for (let redirects = 0; ; redirects++) {
      // The document itself is where the operator pointed: always read. What it leads to is checked.
      if (location !== this.base || redirects > 0)
        if (!this.allowed(url)) throw new SourceError(`refused ${shortened(url.href)}: not on the document's origin or an allowed one`);
      const response = await fetch(url, {
        headers: { accept: 'application/json, application/yaml' },
        redirect: 'manual',
        signal: this.deadline,
      }).catch((error: unknown) => {
        if (this.deadline.aborted) throw this.timedOut();
        throw error;
      });
      const next = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && next !== null) {
        await response.body?.cancel();
        if (redirects >= this.limits.maxRedirects)
          throw new SourceError(`${shortened(location)}: more than ${this.limits.maxRedirects} redirects`);
        url = new URL(next, url);
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new SourceError(`${shortened(url.href)} answered ${response.status}`);
      }
      return this.boundedBody(response, url.href);
    }
  }

  private async boundedBody(response: Response, where: string): Promise<string> {
    const declared = Number(response.headers.get('content-length'));
    if (declared > this.limits.maxBytes) {
      await response.body?.cancel();
      throw this.tooLarge(where);
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    if (response.body === null) return '';
    for await (const chunk of response.body) {
      size += chunk.byteLength;
      if (size > this.limits.maxBytes) {
        await response.body.cancel().catch(() => undefined);
        throw this.tooLarge(where);
      }
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private tooLarge(where: string): SourceError {
    return new SourceError(`too large: ${shortened(where)} is over ${this.limits.maxBytes} bytes`);
  }

  private timedOut(): SourceError {
    return new SourceError(`timed out: the document and its references took over ${this.limits.timeoutMs} ms`);
  }
}

/** A promise that rejects when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
}
