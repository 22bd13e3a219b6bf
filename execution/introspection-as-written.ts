/**
 * Introspection (`__schema`, `__type`) describes the schema as written, whatever the mode the
 * operation runs in: the `NULL` twin's types are all nullable, and a client that read them
 * (GraphiQL with `NULL` chosen, codegen) would type every field nullable. An operation that
 * asks for them gets them from the schema as written, and the rest from the twin.
 */
import {
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type ExecutionArgs,
  type FieldNode,
  type OperationDefinitionNode,
  type SelectionNode,
} from 'graphql';
import { isAsyncIterable } from '@graphql-tools/utils';

const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);

type Execute = (args: ExecutionArgs) => unknown;

/**
 * Runs `run` (the twin) on `operation` (graphql's `getOperationAST` of the arguments), and its
 * introspection fields with `asWritten` on the schema as written, their answers in their own places.
 */
export function withIntrospectionAsWritten(
  args: ExecutionArgs,
  operation: OperationDefinitionNode | null | undefined,
  run: Execute,
  asWritten: Execute,
): unknown {
  if (operation?.operation !== OperationTypeNode.QUERY) return run(args);
  const fields = introspectionFields(operation.selectionSet.selections, args.document);
  if (fields.length === 0) return run(args);
  const onlyIntrospection: DocumentNode = {
    ...args.document,
    definitions: args.document.definitions.map((definition) =>
      definition === operation ? { ...operation, selectionSet: { ...operation.selectionSet, selections: fields } } : definition,
    ),
  };
  const written = asWritten({ ...args, document: onlyIntrospection });
  return merge(run(args), written);
}

/** The introspection fields at the root of a selection set, through fragments. */
function introspectionFields(selections: readonly SelectionNode[], document: DocumentNode, seen = new Set<string>()): FieldNode[] {
  return selections.flatMap((selection): FieldNode[] => {
    switch (selection.kind) {
      case Kind.FIELD:
        return INTROSPECTION_FIELDS.has(selection.name.value) ? [selection] : [];
      case Kind.INLINE_FRAGMENT:
        return introspectionFields(selection.selectionSet.selections, document, seen);
      case Kind.FRAGMENT_SPREAD: {
        const name = selection.name.value;
        if (seen.has(name)) return [];
        seen.add(name);
        const fragment = document.definitions.find(
          (definition) => definition.kind === Kind.FRAGMENT_DEFINITION && definition.name.value === name,
        );
        return fragment?.kind === Kind.FRAGMENT_DEFINITION ? introspectionFields(fragment.selectionSet.selections, document, seen) : [];
      }
    }
  });
}

interface Result {
  data?: Record<string, unknown> | null;
  errors?: readonly unknown[];
}

/** One payload of an incremental answer: the first has `data`, later ones `incremental` entries. */
interface Payload extends Result {
  incremental?: readonly { data?: Record<string, unknown> | null; path?: readonly (string | number)[] }[];
}

/**
 * The twin's answer with the introspection answers in their places: in its data, and under
 * `@defer`/`@stream` in the first payload's data and in the root-level entries of the others
 * (an introspection field in a deferred fragment at the root).
 */
function merge(twin: unknown, written: unknown): unknown {
  if (twin instanceof Promise || written instanceof Promise)
    return Promise.all([twin, written]).then(([result, introspection]) => merge(result, introspection));
  const fromWritten = (written as Result).data;
  if (fromWritten === null || fromWritten === undefined || typeof twin !== 'object' || twin === null) return twin;
  if (isAsyncIterable(twin)) return mergedStream(twin as AsyncIterable<Payload>, fromWritten);
  replaceIn((twin as Result).data, fromWritten);
  return twin;
}

async function* mergedStream(payloads: AsyncIterable<Payload>, fromWritten: Record<string, unknown>): AsyncGenerator<Payload> {
  for await (const payload of payloads) {
    replaceIn(payload.data, fromWritten);
    for (const entry of payload.incremental ?? []) if (entry.path?.length === 0) replaceIn(entry.data, fromWritten);
    yield payload;
  }
}

/** Each introspection answer of `fromWritten` in the place `data` has for it. */
function replaceIn(data: Record<string, unknown> | null | undefined, fromWritten: Record<string, unknown>): void {
  if (data === null || data === undefined) return;
  for (const key of Object.keys(fromWritten)) if (key in data) data[key] = fromWritten[key];
}
