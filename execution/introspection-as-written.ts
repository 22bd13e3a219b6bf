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

/** The twin's answer with the introspection answers in their places (a stream is left as it is). */
function merge(twin: unknown, written: unknown): unknown {
  const apply = (result: unknown, introspection: unknown) => {
    const data = (result as Result).data;
    const fromWritten = (introspection as Result).data;
    if (data === null || data === undefined || fromWritten === null || fromWritten === undefined || typeof result !== 'object')
      return result;
    for (const key of Object.keys(fromWritten)) if (key in data) data[key] = fromWritten[key];
    return result;
  };
  if (twin instanceof Promise || written instanceof Promise)
    return Promise.all([twin, written]).then(([result, introspection]) => apply(result, introspection));
  return apply(twin, written);
}
