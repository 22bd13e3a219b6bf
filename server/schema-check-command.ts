/**
 * `npm run check:schema` (part of `npm test`): the graph's schema about to ship
 * (`generated/schema.graphql`, printed by codegen from `schema/`) against the last release's
 * (`contracts/graph.released.graphql`), and the operations clients send: `operations/`, the
 * graph's own manifest, and the manifests of `PERSISTED_OPERATIONS_FILE` or named as arguments.
 * Prints each finding on a line and exits 1, or says the change is safe and exits 0.
 *
 *   npm run check:schema [-- --released FILE] [--current FILE] [MANIFEST ...]
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { ownPersistedDocumentsPath, projectPath, readGraphQLFiles } from './project-files.js';
import { checkSchema, intendedBreakSchema } from './schema-check.js';

const { values, positionals } = parseArgs({
  options: { released: { type: 'string' }, current: { type: 'string' }, intended: { type: 'string' } },
  allowPositionals: true,
});
const manifests = [
  ownPersistedDocumentsPath(),
  ...(process.env.PERSISTED_OPERATIONS_FILE ?? '')
    .split(',')
    .map((file) => file.trim())
    .filter((file) => file !== ''),
  ...positionals,
];
const operations = new Map<string, string>();
for (const [name, document] of readGraphQLFiles('operations')) operations.set(`operations/${name}`, document);
for (const file of manifests) {
  const manifest = z.record(z.string(), z.string()).parse(JSON.parse(readFileSync(file, 'utf8')));
  for (const [hash, document] of Object.entries(manifest)) operations.set(`${file} ${hash.slice(0, 20)}…`, document);
}

const findings = await checkSchema({
  released: readFileSync(values.released ?? projectPath('contracts', 'graph.released.graphql'), 'utf8'),
  current: readFileSync(values.current ?? projectPath('generated', 'schema.graphql'), 'utf8'),
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
