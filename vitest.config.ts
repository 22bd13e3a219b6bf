import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (`main`) and ESM (`module`) builds. Node, and so the libraries
    // vitest leaves to Node, load the CJS one; Vite would give our own code the ESM one,
    // and two copies of graphql refuse each other's types. One copy, as in production.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    setupFiles: ['test/support/no-bugs.ts'],
    // Most files wait on servers, fakes and child processes rather than compute: more files at once
    // than cores. (Vitest's default, one fewer than the cores, runs one file at a time on two.)
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
