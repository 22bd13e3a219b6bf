/**
 * The demo services in a process of their own (`npm run demo` on free ports), so that a
 * benchmark's load generator does not share their event loop, with their run-time settings
 * (latency, faults) changed over `PUT /_demo/settings`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'undici';
import { SERVICE_NAMES, type ServiceName } from '../errors/service-name.js';
import type { DemoSettings } from '../demo/demo-server.js';
import { linesUntil } from './child-output.js';

export interface DemoProcess {
  readonly pid: number;
  /** `<SERVICE>_API_URL` of each service, for a graph server's environment. */
  readonly urlEnv: Record<string, string>;
  /** Requests the five services have received so far, in all. */
  calls(): Promise<number>;
  configure(service: ServiceName, settings: Partial<DemoSettings>): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The demo services in a process of their own. Their reads carry no caching headers unless
 * `cacheHeaders` (so that what the graph's cache saves is measured only where a scenario asks for it).
 */
export async function startDemoProcess(latencyMs: number, cacheHeaders = false): Promise<DemoProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/main.ts'], {
    cwd: new URL('..', import.meta.url),
    env: {
      PATH: process.env.PATH ?? '',
      DEMO_PORT_BASE: '0',
      DEMO_LATENCY_MS: String(latencyMs),
      DEMO_CACHE_HEADERS: cacheHeaders ? 'on' : 'off',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const urlEnv: Record<string, string> = {};
  await linesUntil(child, (line) => {
    const [name, url] = line.split('=');
    if (name !== undefined && url !== undefined) urlEnv[name] = url;
    return Object.keys(urlEnv).length === SERVICE_NAMES.length;
  });
  return {
    pid: child.pid!,
    urlEnv,
    calls: async () => {
      const counts = await Promise.all(
        Object.values(urlEnv).map(async (url) =>
          Object.values((await (await request(`${url}/_demo/calls`)).body.json()) as Record<string, number>),
        ),
      );
      return counts.flat().reduce((sum, n) => sum + n, 0);
    },
    configure: async (service, settings) => {
      const { statusCode, body } = await request(`${urlEnv[`${service.toUpperCase()}_API_URL`]}/_demo/settings`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(settings),
      });
      await body.dump();
      if (statusCode !== 200) throw new Error(`demo settings refused: ${statusCode}`);
    },
    stop: async () => {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    },
  };
}
