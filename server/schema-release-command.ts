/**
 * `npm run release:schema`: the release step of the graph's own contract. Once `check:schema`
 * passes (every break recorded as intended), the schema of `schema/` becomes the released one
 * (`contracts/graph.released.graphql`, printed as codegen prints it) and the list of intended
 * breaks is emptied: from now on, the next release is checked against this one.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { buildSchema } from 'graphql';
import { projectPath, readGraphQLFiles } from './project-files.js';

const check = spawnSync(process.execPath, ['--import', 'tsx', projectPath('server', 'schema-check-command.ts')], { stdio: 'inherit' });
if (check.status !== 0) {
  process.stderr.write('release:schema: nothing released; mend what check:schema found first\n');
  process.exit(1);
}
const released = printSchemaWithDirectives(buildSchema([...readGraphQLFiles('schema').values()].join('\n')));
writeFileSync(projectPath('contracts', 'graph.released.graphql'), `${released}\n`);
writeFileSync(projectPath('contracts', 'graph.intended-breaks.json'), '[]\n');
process.stdout.write(
  'release:schema: contracts/graph.released.graphql is the schema of schema/, contracts/graph.intended-breaks.json is empty; commit both\n',
);
