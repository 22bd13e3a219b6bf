/**
 * The only reader of `process.env`. Configuration is loaded once at start into a frozen,
 * typed object; a bad value stops the start with a message that names the variable.
 * Tests build configs with `loadConfig({...literal env...})`.
 */
import { z } from 'zod';

export const SERVICE_NAMES = ['personal', 'professional', 'orders', 'inventory', 'notifications'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** What the graph needs to know to call one upstream service. */
export interface UpstreamSettings {
  /** Base URL of the service; `undefined` when the embedded demo service stands in for it. */
  readonly url: string | undefined;
  /**
   * Time limit of one call, from sending the request to the last byte of the body.
   * @default 2000 (`UPSTREAM_TIMEOUT_MS`, per service `<SERVICE>_TIMEOUT_MS`)
   */
  readonly timeoutMs: number;
  /**
   * Calls in flight to this service from the whole process; more wait for a free slot.
   * @default 64 (`UPSTREAM_MAX_CONCURRENCY`, per service `<SERVICE>_MAX_CONCURRENCY`)
   */
  readonly maxConcurrency: number;
  /**
   * Largest response body accepted; a larger one is `UPSTREAM_BAD_RESPONSE`.
   * @default 5242880 (`UPSTREAM_MAX_RESPONSE_BYTES`, per service `<SERVICE>_MAX_RESPONSE_BYTES`)
   */
  readonly maxResponseBytes: number;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Config {
  /** @default 4000 (`PORT`) */
  readonly port: number;
  /** @default "0.0.0.0" (`HOST`) */
  readonly host: string;
  /** @default "info" (`LOG_LEVEL`) */
  readonly logLevel: LogLevel;
  /**
   * How long SIGTERM waits for requests in flight before closing their connections.
   * @default 10000 (`SHUTDOWN_GRACE_MS`)
   */
  readonly shutdownGraceMs: number;
  /** True when no `*_API_URL` is set: the server starts the demo services in-process. */
  readonly demo: boolean;
  /**
   * Latency in ms of every embedded demo service at start; changeable at run time.
   * @default 0 (`DEMO_LATENCY_MS`)
   */
  readonly demoLatencyMs: number;
  readonly upstreams: Readonly<Record<ServiceName, UpstreamSettings>>;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Env = Readonly<Record<string, string | undefined>>;

const integer = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const urlValue = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));

/** Reads one variable; a missing or empty value takes the fallback. */
function read<T>(env: Env, name: string, schema: z.ZodType<T>, fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const parsed = schema.safeParse(raw.trim());
  if (!parsed.success) {
    const reason = parsed.error.issues.map((issue) => issue.message).join('; ');
    throw new ConfigError(`${name}=${JSON.stringify(raw)} is not valid: ${reason}`);
  }
  return parsed.data;
}

export function loadConfig(env: Env = process.env): Config {
  const defaultTimeout = read(env, 'UPSTREAM_TIMEOUT_MS', integer(1, 600_000), 2000);
  const defaultConcurrency = read(env, 'UPSTREAM_MAX_CONCURRENCY', integer(1, 10_000), 64);
  const defaultMaxBytes = read(env, 'UPSTREAM_MAX_RESPONSE_BYTES', integer(1024, 1 << 30), 5 * 1024 * 1024);

  const upstreams = {} as Record<ServiceName, UpstreamSettings>;
  for (const service of SERVICE_NAMES) {
    const prefix = service.toUpperCase();
    upstreams[service] = Object.freeze({
      url: read<string | undefined>(env, `${prefix}_API_URL`, urlValue, undefined),
      timeoutMs: read(env, `${prefix}_TIMEOUT_MS`, integer(1, 600_000), defaultTimeout),
      maxConcurrency: read(env, `${prefix}_MAX_CONCURRENCY`, integer(1, 10_000), defaultConcurrency),
      maxResponseBytes: read(env, `${prefix}_MAX_RESPONSE_BYTES`, integer(1024, 1 << 30), defaultMaxBytes),
    });
  }

  // Mixing real services with demo ones would silently serve made-up data in production.
  const missing = SERVICE_NAMES.filter((s) => upstreams[s].url === undefined);
  const demo = missing.length === SERVICE_NAMES.length;
  if (!demo && missing.length > 0) {
    const names = missing.map((s) => `${s.toUpperCase()}_API_URL`).join(', ');
    throw new ConfigError(
      `${names} must be set as well: set every *_API_URL, or none to run on the embedded demo services`,
    );
  }

  return Object.freeze({
    port: read(env, 'PORT', integer(0, 65_535), 4000),
    host: read(env, 'HOST', z.string().min(1), '0.0.0.0'),
    logLevel: read(env, 'LOG_LEVEL', z.enum(['debug', 'info', 'warn', 'error', 'silent']), 'info'),
    shutdownGraceMs: read(env, 'SHUTDOWN_GRACE_MS', integer(0, 600_000), 10_000),
    demo,
    demoLatencyMs: read(env, 'DEMO_LATENCY_MS', integer(0, 60_000), 0),
    upstreams: Object.freeze(upstreams),
  });
}

/** Settings of `npm run demo`, the demo services on their own. */
export interface DemoServicesConfig {
  /** Port of personal; the others follow in contract order. @default 4001 (`DEMO_PORT_BASE`) */
  readonly portBase: number;
  /** @default "127.0.0.1" (`DEMO_HOST`) */
  readonly host: string;
  /** @default 0 (`DEMO_LATENCY_MS`) */
  readonly latencyMs: number;
}

export function loadDemoServicesConfig(env: Env = process.env): DemoServicesConfig {
  return Object.freeze({
    portBase: read(env, 'DEMO_PORT_BASE', integer(1, 65_535 - SERVICE_NAMES.length), 4001),
    host: read(env, 'DEMO_HOST', z.string().min(1), '127.0.0.1'),
    latencyMs: read(env, 'DEMO_LATENCY_MS', integer(0, 60_000), 0),
  });
}

/** For entry points: the loaded configuration, or the reason it is bad on stderr and exit code 2. */
export function configOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`Configuration error: ${error.message}\n`);
    process.exit(2);
  }
}
