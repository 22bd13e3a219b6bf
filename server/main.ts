/**
 * `npm start`'s entry point. It checks the runtime before loading anything else: the rest of
 * the process (serve.ts) imports modules an older Node does not have (`node:sqlite`), which
 * would fail with an unhelpful link error before any of our code ran.
 */

/** The oldest Node.js major the project runs on: `engines.node` in package.json. */
const MIN_NODE_MAJOR = 24;

const major = Number(process.versions.node.split('.')[0]);
if (major < MIN_NODE_MAJOR) {
  console.error(
    `This server needs Node.js ${MIN_NODE_MAJOR} or newer; it was started with ${process.version}.\n` +
      'Start it with `npm start`, which runs the Node.js that `npm install` put in node_modules, or install Node.js 24 LTS.',
  );
  process.exit(1);
}

await import('./serve.js');
