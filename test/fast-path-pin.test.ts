/**
 * The fast path reads some of Yoga's non-public fields (server/yoga-internals.ts), so it serves only
 * the exact versions of Yoga and envelop that package.json pins. On a scratch copy of the project
 * whose package.json pins another version than the one installed, the server says once at start that
 * the fast path is off and why, and Yoga's own path serves every request with the same answers.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot, scratchCopy, servedCopy } from './support/scratch-copy.js';

const INSTALLED = (JSON.parse(readFileSync(join(projectRoot, 'node_modules/graphql-yoga/package.json'), 'utf8')) as { version: string })
  .version;

/** The copy's package.json with `name` pinned to `version`. */
function pin(copy: string, name: string, version: string): void {
  const file = join(copy, 'package.json');
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as { dependencies: Record<string, string> };
  manifest.dependencies[name] = version;
  writeFileSync(file, JSON.stringify(manifest, null, 2));
}

async function profile(url: string): Promise<unknown> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ user(id: "u1") { id personal { name } } }' }),
  });
  return response.json();
}

async function fastPathRequests(url: string): Promise<number> {
  const metrics = await (await fetch(`${url}/metrics`)).text();
  return Number(/^graphql_fast_path_requests_total (\d+)/m.exec(metrics)?.[1]);
}

describe('the fast path serves only the pinned Yoga and envelop', () => {
  it('package.json as it is: the versions installed are the ones pinned, and the fast path serves', () => {
    const { dependencies } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    expect(dependencies['graphql-yoga']).toBe(INSTALLED);
    const envelop = JSON.parse(readFileSync(join(projectRoot, 'node_modules/@envelop/core/package.json'), 'utf8')) as { version: string };
    expect(dependencies['@envelop/core']).toBe(envelop.version);
  });

  it('another pinned version: one warning at start, and Yoga serves every request alike', async () => {
    const copy = scratchCopy('fast-path-pin-');
    try {
      pin(copy, 'graphql-yoga', '5.0.0');
      await servedCopy(copy, async (url, output) => {
        const first = await profile(url);
        expect(first).toEqual({ data: { user: { id: 'u1', personal: { name: expect.any(String) } } } });
        expect(await profile(url)).toEqual(first);
        expect(await fastPathRequests(url)).toBe(0);
        const warnings = output()
          .split('\n')
          .filter((line) => line.includes('fast path off'));
        expect(warnings).toEqual([expect.stringContaining(`graphql-yoga ${INSTALLED} is installed, not 5.0.0`)]);
      });
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('a range instead of one version: off too, and said', async () => {
    const copy = scratchCopy('fast-path-range-');
    try {
      pin(copy, '@envelop/core', '^5.0.0');
      await servedCopy(copy, async (url, output) => {
        await profile(url);
        expect(await fastPathRequests(url)).toBe(0);
        expect(output()).toContain('@envelop/core is not pinned to one version in package.json: ^5.0.0');
      });
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
