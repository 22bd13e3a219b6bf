/**
 * The layers of the code (.dependency-cruiser.js) hold: a wrong import fails the suite.
 * dependency-cruiser runs as a developer runs it (its CLI), on the real tree, and on a small
 * tree of our own that breaks the rules, to show that they bite.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const CLI = join(root, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs');
const SOURCES = ['errors', 'datasources', 'place-order', 'security', 'telemetry', 'execution', 'resolvers', 'server', 'demo', 'generated'];

function depcruise(cwd: string, folders: string[]) {
  const run = spawnSync(process.execPath, [CLI, '--config', '.dependency-cruiser.js', '--output-type', 'err', ...folders], {
    cwd,
    encoding: 'utf8',
  });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('the architecture', () => {
  it('has no import that goes up a layer, into the demo, or round in a cycle', () => {
    const { status, output } = depcruise(root, SOURCES);
    expect(output).toContain('no dependency violations found');
    expect(status).toBe(0);
  }, 60_000);

  it('is enforced: an upward import and a cycle are each reported by the rules', () => {
    const dir = mkdtempSync(join(tmpdir(), 'graph-layers-'));
    const files: Record<string, string> = {
      'package.json': '{ "type": "module" }',
      'tsconfig.json': JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true },
        include: SOURCES,
      }),
      // datasources/ reaching up into server/ ...
      'datasources/upstream.ts': "import { config } from '../server/config.js';\nexport const upstream = config;\n",
      'server/config.ts': 'export const config = 1;\n',
      // ... and two telemetry modules that import each other.
      'telemetry/metrics.ts': "import { tracing } from './tracing.js';\nexport const metrics = () => tracing;\n",
      'telemetry/tracing.ts': "import { metrics } from './metrics.js';\nexport const tracing = () => metrics;\n",
    };
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), text);
    }
    copyFileSync(join(root, '.dependency-cruiser.js'), join(dir, '.dependency-cruiser.js'));
    const { status, output } = depcruise(dir, ['datasources', 'server', 'telemetry']);
    expect(output).toContain('datasources-import-only-errors: datasources/upstream.ts → server/config.ts');
    expect(output).toMatch(/no-circular: telemetry\/(metrics|tracing)\.ts/);
    expect(status).not.toBe(0);
  }, 60_000);
});
