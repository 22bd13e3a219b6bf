/**
 * One line per test for the usual setup: contract fakes (with the test's faults) and a
 * graph server pointed at them, both closed after the test, whatever it did.
 */
import { afterEach } from 'vitest';
import type { ServiceName } from '../../errors/service-name.js';
import { startContractFakes, type Fakes } from './contract-fakes.js';
import type { Handler } from './fake-upstream.js';
import { startGraph, type GraphServer } from './graph.js';

export interface GraphSetup {
  fakes: Fakes;
  graph: GraphServer;
}

export type StartGraphWithFakes = (
  handlers?: Partial<Record<ServiceName, Handler>>,
  env?: Record<string, string>,
  /** Points a service elsewhere than its fake (e.g. at a closed port). */
  urls?: Partial<Record<ServiceName, string>>,
) => Promise<GraphSetup>;

/** Call at the top of a test file; registers the clean-up with vitest. */
export function graphHarness(): StartGraphWithFakes {
  const open: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (let close = open.pop(); close !== undefined; close = open.pop()) await close();
  });
  return async (handlers = {}, env = {}, urls = {}) => {
    const fakes = await startContractFakes(handlers);
    open.push(() => fakes.close());
    const graph = await startGraph({ ...fakes.urls, ...urls }, env);
    open.push(() => graph.close());
    return { fakes, graph };
  };
}
