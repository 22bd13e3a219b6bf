/**
 * The server a profiling tool studies (bench/profile.ts, bench/on-cpu.ts): the built graph, or the
 * reference `PROFILE_SERVER` names, pinned to CPU 1 over the given demo services.
 *
 * - `PROFILE_SERVER=Mercurius+guarantees` (any name of bench/references.ts): that reference instead;
 * - `PROFILE_ENV="NAME=value,NAME=value"`: settings added to the graph's environment;
 * - `GRAPH_ENTRY=dist-before/server/main.js`: another build of the graph.
 */
import type { ChildProcess } from 'node:child_process';
import { settingsOf, startBuiltGraph } from './built-graph.js';
import { REFERENCES, startReference, type ReferenceName } from './references.js';

/** The reference `PROFILE_SERVER` names, or undefined for the graph; checked before anything starts. */
export function referenceUnderStudy(): ReferenceName | undefined {
  const reference = process.env.PROFILE_SERVER;
  if (reference !== undefined && !(reference in REFERENCES))
    throw new Error(`PROFILE_SERVER=${reference}: one of ${Object.keys(REFERENCES).join(', ')}`);
  return reference as ReferenceName | undefined;
}

export async function startServerUnderStudy(
  demoEnv: Record<string, string>,
  nodeArgs: readonly string[],
): Promise<{ readonly child: ChildProcess; readonly url: string }> {
  const reference = referenceUnderStudy();
  if (reference !== undefined) {
    const { child, endpoint } = await startReference(reference, { env: demoEnv, cpu: 1, nodeArgs });
    return { child, url: endpoint };
  }
  return startBuiltGraph({
    nodeArgs,
    env: { ...demoEnv, ...settingsOf(process.env.PROFILE_ENV ?? '') },
    ...(process.env.GRAPH_ENTRY === undefined ? {} : { entry: process.env.GRAPH_ENTRY }),
  });
}
