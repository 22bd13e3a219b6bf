/**
 * One line per test for graph server processes (the real entry point, as `npm start` runs
 * it) in front of contract fakes; everything is killed after the test, whatever it did.
 */
import { afterEach } from 'vitest';
import { SERVICE_NAMES, type ServiceName } from '../../errors/service-name.js';
import { startContractFakes, type Fakes } from './contract-fakes.js';
import type { Handler } from './fake-upstream.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

/** Call at the top of a describe block; registers the clean-up with vitest. */
export function processHarness() {
  let fakes: Fakes | undefined;
  const servers: ServerProcess[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    await fakes?.close();
    fakes = undefined;
  });
  return {
    /** Starts the fakes; resolves with them and the `*_API_URL`s that point a server at them. */
    async fakes(handlers: Partial<Record<ServiceName, Handler>> = {}) {
      fakes = await startContractFakes(handlers);
      const started = fakes;
      return {
        fakes: started,
        urlEnv: Object.fromEntries(SERVICE_NAMES.map((name) => [`${name.toUpperCase()}_API_URL`, started.urls[name]])),
      };
    },
    async server(env: Record<string, string>) {
      const started = await startServerProcess(env);
      servers.push(started.server);
      return started;
    },
  };
}
