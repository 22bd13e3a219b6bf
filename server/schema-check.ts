/**
 * The graph's own contract with its clients: a change of the schema that would break an
 * operation a frontend already sends is caught before it ships.
 *
 * - Against the schema of the last release (`contracts/graph.released.graphql`), every change
 *   @graphql-inspector/core rates breaking (a removed field, type or enum value, an input that
 *   became non-null, an output that became nullable, an argument changed or removed, ...) is a
 *   finding, unless it is recorded as intended (`contracts/graph.intended-breaks.json`, each
 *   with its reason: the end of a field retired through `@deprecated`).
 * - Every operation of `operations/` and of the persisted-operation manifests given must still
 *   validate against the new schema.
 */
import { CriticalityLevel, diff } from '@graphql-inspector/core';
import { GraphQLDeferDirective, GraphQLStreamDirective } from '@graphql-tools/utils';
import { buildSchema, GraphQLSchema, parse, validate } from 'graphql';
import { z } from 'zod';

/** A breaking change the team means to make: its kind and place, as the check names them. */
export const intendedBreakSchema = z.array(
  z.object({
    /** graphql-inspector's change type, e.g. `FIELD_REMOVED`. */
    type: z.string().min(1),
    /** The schema coordinate, e.g. `User.nickname`. */
    path: z.string().min(1),
    reason: z.string().min(1),
  }),
);
export type IntendedBreak = z.infer<typeof intendedBreakSchema>[number];

export interface SchemaCheckInput {
  /** The SDL of the last release. */
  readonly released: string;
  /** The SDL about to ship. */
  readonly current: string;
  readonly intended: readonly IntendedBreak[];
  /** Operations clients send, by where they come from (a file, a manifest's hash). */
  readonly operations: ReadonlyMap<string, string>;
}

/** One line per finding; none when the change is safe for every client. */
export async function checkSchema({ released, current, intended, operations }: SchemaCheckInput): Promise<string[]> {
  const before = buildSchema(released);
  const after = buildSchema(current);
  const findings: string[] = [];
  for (const change of await diff(before, after)) {
    if (change.criticality.level !== CriticalityLevel.Breaking) continue;
    if (intended.some((allowed) => allowed.type === change.type && allowed.path === change.path)) continue;
    findings.push(`breaking: ${change.message} (${change.type} at ${change.path ?? 'the schema'})`);
  }
  // The server validates against the schema with the incremental-delivery directives that
  // @graphql-yoga/plugin-defer-stream adds: an operation may use them.
  const served = new GraphQLSchema({
    ...after.toConfig(),
    directives: [...after.getDirectives(), GraphQLDeferDirective, GraphQLStreamDirective],
  });
  findings.push(...invalidOperations(served, operations));
  return findings;
}

function invalidOperations(schema: GraphQLSchema, operations: ReadonlyMap<string, string>): string[] {
  const findings: string[] = [];
  for (const [where, document] of operations) {
    let errors: readonly { message: string }[];
    try {
      errors = validate(schema, parse(document));
    } catch (error) {
      errors = [{ message: error instanceof Error ? error.message : String(error) }];
    }
    for (const error of errors) findings.push(`operation ${where}: ${error.message}`);
  }
  return findings;
}
