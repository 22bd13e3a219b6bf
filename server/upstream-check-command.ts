/**
 * `npm run check:upstreams`: whether each service's published OpenAPI document still gives the
 * graph everything it uses (upstream-check.ts), before a deployment meets the service.
 *
 * Each service's document is read from `<SERVICE>_OPENAPI` (a file, JSON or YAML, or an http(s)
 * URL) or else from `<SERVICE>_API_URL` + `/openapi.json`; with no `*_API_URL` at all, from the
 * embedded demo services, as `npm start` would use them. A document and its `$ref`s are read
 * within bounds (openapi-source.ts: its own origin or folder, `OPENAPI_REF_ORIGINS`, size, time,
 * redirects). Prints one line per break (service,
 * operation, JSON path, what changed) and one verdict per service; exits 1 on any break or a
 * document that cannot be read, 0 when every service is compatible.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_SOURCE_LIMITS, readOpenApi, type SourceLimits } from './openapi-source.js';
import { shortened } from './shortened.js';
import { SERVICE_NAMES, type ServiceName } from '../errors/service-name.js';
import { startDemoServices } from '../demo/services.js';
import { configOrExit, loadConfig } from './config.js';
import { projectPath } from './project-files.js';
import { dereferenced, formatBreak, upstreamBreaks } from './upstream-check.js';

type Json = Record<string, unknown>;

const config = configOrExit(loadConfig);
// With no *_API_URL, a service not named by <SERVICE>_OPENAPI is checked at the embedded demo's.
const demo =
  config.demo && SERVICE_NAMES.some((s) => !process.env[`${s.toUpperCase()}_OPENAPI`]?.trim()) ? await startDemoServices() : undefined;

/** Where the service's published document is: `<SERVICE>_OPENAPI`, or its API's `/openapi.json`. */
function sourceOf(service: ServiceName): string | undefined {
  const named = process.env[`${service.toUpperCase()}_OPENAPI`]?.trim();
  if (named) return named;
  const base = demo?.urls[service] ?? config.upstreams[service].url;
  return base === undefined ? undefined : `${base.replace(/\/+$/, '')}/openapi.json`;
}

/**
 * The bounds of reading a published document (server/openapi-source.ts): `OPENAPI_REF_ORIGINS`,
 * comma-separated origins its `$ref`s may point at besides its own; `OPENAPI_TIMEOUT_MS`, the time
 * for one document and its references (30 s).
 */
function sourceLimits(): SourceLimits {
  const origins = (process.env.OPENAPI_REF_ORIGINS ?? '')
    .split(',')
    .map((origin) => origin.trim())
    .filter((origin) => origin !== '');
  for (const origin of origins)
    if (!URL.canParse(origin) || new URL(origin).origin !== origin) {
      process.stdout.write(`OPENAPI_REF_ORIGINS: ${shortened(origin)} is not an origin (scheme://host[:port])\n`);
      process.exit(2);
    }
  const timeout = Number(process.env.OPENAPI_TIMEOUT_MS ?? DEFAULT_SOURCE_LIMITS.timeoutMs);
  if (!Number.isInteger(timeout) || timeout < 1) {
    process.stdout.write('OPENAPI_TIMEOUT_MS: a whole number of milliseconds, at least 1\n');
    process.exit(2);
  }
  return { ...DEFAULT_SOURCE_LIMITS, allowedOrigins: origins, timeoutMs: timeout };
}
const limits = sourceLimits();

let failed = false;
for (const service of SERVICE_NAMES) {
  const source = sourceOf(service);
  if (source === undefined) {
    process.stdout.write(`${service}: no document to check (set ${service.toUpperCase()}_OPENAPI or ${service.toUpperCase()}_API_URL)\n`);
    failed = true;
    continue;
  }
  try {
    const ourFile = projectPath('contracts', `${service}.openapi.yaml`);
    const ours = await dereferenced(parseYaml(await readFile(ourFile, 'utf8')) as Json, ourFile);
    const breaks = upstreamBreaks(service, ours, await readOpenApi(source, limits));
    for (const found of breaks) process.stdout.write(`${formatBreak(found)}\n`);
    process.stdout.write(
      breaks.length === 0 ? `${service}: compatible (${source})\n` : `${service}: ${breaks.length} break(s) (${source})\n`,
    );
    if (breaks.length > 0) failed = true;
  } catch (error) {
    process.stdout.write(`${service}: cannot check ${source}: ${shortened(error instanceof Error ? error.message : String(error), 300)}\n`);
    failed = true;
  }
}
await demo?.close();
process.exitCode = failed ? 1 : 0;
