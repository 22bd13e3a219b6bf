/**
 * Preloaded into the graph by bench/promises.ts (`--import`): counts the promises the process
 * creates between SIGUSR1 and SIGUSR2, by the first frame of the project or a package that
 * created them, and writes the counts to the file `PROMISE_COUNTS` names. An async_hooks
 * `init` hook sees every promise, the ones `await` makes included.
 */
import { createHook } from 'node:async_hooks';
import { writeFileSync } from 'node:fs';

const counts = new Map<string, number>();
let counting = false;
Error.stackTraceLimit = 16;

/** The first frame that is neither Node's nor V8's own, as `path:line` below the project or node_modules. */
function creator(): string {
  const frames = (new Error().stack ?? '').split('\n').slice(3);
  const frame = frames.find((line) => !line.includes('node:') && !line.includes('<anonymous>') && !line.includes('promise-counter'));
  if (frame === undefined) return '(node)';
  return frame
    .replace(/^.*\((.*)\)$/, '$1')
    .replace(/^\s*at /, '')
    .replace(/^.*node_modules\//, '')
    .replace(/^file:\/\/.*?\/(dist|dist-[^/]+)\//, '')
    .replace(/:\d+$/, '');
}

createHook({
  init(_id, type) {
    if (!counting || type !== 'PROMISE') return;
    const key = creator();
    counts.set(key, (counts.get(key) ?? 0) + 1);
  },
}).enable();

process.on('SIGUSR1', () => {
  counts.clear();
  counting = true;
});
process.on('SIGUSR2', () => {
  counting = false;
  writeFileSync(process.env.PROMISE_COUNTS!, JSON.stringify(Object.fromEntries(counts)));
});
