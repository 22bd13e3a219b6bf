/**
 * The architecture, as rules that fail `npm test` (test/architecture.test.ts) when broken.
 *
 * Layers, lowest first; a layer imports only the ones below it:
 *   errors/ ← datasources/ ← place-order/, security/, telemetry/, execution/ ← resolvers/ ← server/
 * `demo/` is a leaf that only entry points import; `generated/` is codegen output that may
 * name the context type, except `generated/upstreams/` (the services' shapes, from their
 * OpenAPI documents), which the datasources and the demo use and which imports only zod.
 * Entry points (server/main.ts, server/serve.ts, server/token-command.ts,
 * server/subgraph-command.ts, server/upstream-check-command.ts, demo/main.ts) may import anything.
 */
const MIDDLE = '(place-order|security|telemetry|execution)';
const ENTRY_POINTS = '^(server/(main|serve|token-command|subgraph-command|upstream-check-command)|demo/main)[.]ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles make the load order matter and the layers meaningless.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'errors-import-only-graphql',
      severity: 'error',
      comment: 'errors/ is the bottom layer: the taxonomy needs graphql and nothing else.',
      from: { path: '^errors/' },
      to: { pathNot: ['^errors/', '^node_modules/graphql/'] },
    },
    {
      name: 'datasources-import-only-errors',
      severity: 'error',
      comment: 'datasources/ talks HTTP to the services and knows nothing of the layers above it.',
      from: { path: '^datasources/' },
      to: { path: `^(${MIDDLE.slice(1, -1)}|resolvers|server|demo|generated)/`, pathNot: '^generated/upstreams/' },
    },
    {
      name: 'middle-layers-import-only-below',
      severity: 'error',
      comment: 'place-order/, security/, telemetry/ and execution/ build on errors/ and datasources/ only.',
      from: { path: `^${MIDDLE}/` },
      to: { path: '^(resolvers|server|demo|generated)/' },
    },
    {
      name: 'middle-layers-independent',
      severity: 'error',
      comment: 'place-order/, security/, telemetry/ and execution/ do not import each other: server/ wires them together.',
      from: { path: `^${MIDDLE}/` },
      to: { path: `^${MIDDLE}/`, pathNot: '^$1/' },
    },
    {
      name: 'resolvers-below-server',
      severity: 'error',
      comment: 'Resolvers may name the context type (server/context.ts), nothing else of server/.',
      from: { path: '^resolvers/' },
      to: { path: '^server/', pathNot: '^server/context[.]ts$' },
    },
    {
      name: 'resolvers-context-type-only',
      severity: 'error',
      comment: 'Resolvers import the context as a type: the context is built by server/, not by them.',
      from: { path: '^(resolvers|generated)/' },
      to: { path: '^server/context[.]ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'generated-names-only-types',
      severity: 'error',
      comment: 'Codegen output refers to the mappers and the context type, never to server/ code.',
      from: { path: '^generated/' },
      to: { path: '^(server|resolvers|demo|place-order|security|telemetry|execution)/', pathNot: '^server/context[.]ts$' },
    },
    {
      name: 'upstream-shapes-are-leaves',
      severity: 'error',
      comment: "The services' shapes (generated/upstreams/, from contracts/) are types and zod validators: they import nothing of ours.",
      from: { path: '^generated/upstreams/' },
      to: { pathNot: ['^generated/upstreams/', '^node_modules/zod/'] },
    },
    {
      name: 'demo-is-a-leaf',
      severity: 'error',
      comment: 'The demo services are started by entry points only; the product never depends on them.',
      from: { path: '^(errors|datasources|place-order|security|telemetry|execution|resolvers|server|generated)/', pathNot: ENTRY_POINTS },
      to: { path: '^demo/' },
    },
    {
      name: 'demo-imports-only-errors',
      severity: 'error',
      comment: "The demo services follow the contract, not our code: they share only the service names and the contract's own shapes.",
      from: { path: '^demo/', pathNot: ENTRY_POINTS },
      to: { path: `^(datasources|${MIDDLE.slice(1, -1)}|resolvers|server|generated)/`, pathNot: '^generated/upstreams/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(test|bench|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
