/**
 * `npm run check:schema` (part of `npm test`): the graph's schema about to ship (the SDL of
 * `schema/`, as the server reads it: a check before codegen sees an edit) against the last release's
 * (`contracts/graph.released.graphql`), and the operations clients send: `operations/`, the
 * graph's own manifest, and the manifests of `PERSISTED_OPERATIONS_FILE` or named as arguments.
 * Prints each finding on a line and exits 1, or says the change is safe and exits 0.
 *
 *   npm run check:schema [-- --released FILE] [--current FILE] [MANIFEST ...]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { PersistedDocuments } from '../security/persisted-operations.js';
import { loadConfig } from './config.js';
import { ownPersistedDocumentsPath, projectPath, readGraphQLFiles } from './project-files.js';
import { checkSchema, intendedBreakSchema } from './schema-check.js';

const { values, positionals } = parseArgs({
  options: { released: { type: 'string' }, current: { type: 'string' }, intended: { type: 'string' } },
  allowPositionals: true,
});
// The manifests as the server reads them (each key checked against its document): the graph's
// own, PERSISTED_OPERATIONS_FILE's, and those named.
const manifests = new PersistedDocuments([
  ownPersistedDocumentsPath(),
  ...(loadConfig().exposure.persistedOperationsFiles ?? []),
  ...positionals,
]);
const operations = new Map<string, string>();
for (const [name, document] of readGraphQLFiles('operations')) operations.set(`operations/${name}`, document);
for (const [hash, document] of manifests.all()) operations.set(`persisted sha256:${hash.slice(0, 16)}…`, document);

const findings = await checkSchema({
  released: readFileSync(values.released ?? projectPath('contracts', 'graph.released.graphql'), 'utf8'),
  // The SDL the server builds its schema from (server/subgraph.ts), not a generated copy that only codegen refreshes.
  current: values.current === undefined ? [...readGraphQLFiles('schema').values()].join('\n') : readFileSync(values.current, 'utf8'),
  intended: intendedBreakSchema.parse(
    JSON.parse(readFileSync(values.intended ?? projectPath('contracts', 'graph.intended-breaks.json'), 'utf8')),
  ),
  operations,
});
for (const finding of findings) process.stdout.write(`${finding}\n`);
process.stdout.write(
  findings.length === 0
    ? `check:schema: no breaking change, ${operations.size} operations valid\n`
    : `check:schema: ${findings.length} finding(s): retire a field with @deprecated(reason:) first, ` +
        'or record an intended break in contracts/graph.intended-breaks.json\n',
);
process.exitCode = findings.length === 0 ? 0 : 1;
