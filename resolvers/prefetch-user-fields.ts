/**
 * Starts the loads of a user's selected fields together with the personal lookup.
 *
 * Whether a user exists is known only when the personal service answers, and GraphQL
 * resolves a user's fields only after that. Waiting would make a profile cost
 * personal + max(professional, orders); starting every selected load at once makes it
 * cost the slowest of the three. The loads go through the request's DataLoaders, so the
 * field resolvers later pick up the very same promises; when the user turns out not to
 * exist, their answers are simply dropped.
 */
import { collectSubFields, type PatchFields } from '@graphql-tools/utils';
import {
  getArgumentValues,
  Kind,
  type FieldNode,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { GraphContext } from '../server/context.js';
import { isValidPageSize } from './orders-args.js';
import { mayActFor } from '../security/authorization.js';

export function prefetchUserFields(context: GraphContext, info: GraphQLResolveInfo, userIds: readonly string[]): void {
  const userType = info.schema.getType('User') as GraphQLObjectType;
  for (const node of selectedFields(info, userType)) {
    switch (node.name.value) {
      case 'professional':
        for (const id of userIds) ignoreFailure(context.professional.profile(id));
        break;
      case 'orders': {
        const { first, after } = getArgumentValues(userType.getFields().orders!, node, info.variableValues) as {
          first: number;
          after?: string | null;
        };
        // An invalid page size is reported by the field resolver; nothing to fetch.
        if (!isValidPageSize(first)) break;
        // Orders the caller may not see are refused by the field: not fetched either.
        for (const id of userIds) if (mayActFor(context.viewer, id)) ignoreFailure(context.orders.ordersOfUser(id, first, after ?? null));
        break;
      }
    }
  }
}

/**
 * The selected fields of a user field whose selection no `@skip` or `@include` decides, which
 * are the same whatever the variables: kept per schema and field node (the document's own, held
 * by the document cache), so that a query sent again does not collect them again (S3's profile
 * showed the collection).
 */
const fixedSelections = new WeakMap<GraphQLSchema, WeakMap<FieldNode, readonly FieldNode[]>>();

function selectedFields(info: GraphQLResolveInfo, userType: GraphQLObjectType): readonly FieldNode[] {
  const node = info.fieldNodes.length === 1 ? info.fieldNodes[0]! : undefined;
  if (node === undefined) return collectedFields(info, userType);
  let bySchema = fixedSelections.get(info.schema);
  if (bySchema === undefined) {
    bySchema = new WeakMap();
    fixedSelections.set(info.schema, bySchema);
  }
  const known = bySchema.get(node);
  if (known !== undefined) return known;
  const fields = collectedFields(info, userType);
  if (node.selectionSet !== undefined && !conditional(node.selectionSet, info.fragments, new Set())) bySchema.set(node, fields);
  return fields;
}

/** Whether `@skip` or `@include` may leave out a field of this selection, in it or in the fragments it spreads. */
function conditional(selectionSet: SelectionSetNode, fragments: GraphQLResolveInfo['fragments'], seen: Set<string>): boolean {
  for (const selection of selectionSet.selections) {
    if (selection.directives?.some((directive) => directive.name.value === 'skip' || directive.name.value === 'include')) return true;
    if (selection.kind === Kind.INLINE_FRAGMENT && conditional(selection.selectionSet, fragments, seen)) return true;
    if (selection.kind === Kind.FRAGMENT_SPREAD && !seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = fragments[selection.name.value];
      if (fragment !== undefined && conditional(fragment.selectionSet, fragments, seen)) return true;
    }
  }
  return false;
}

/**
 * The fields selected on the user under the current field, through fragments, honouring
 * @skip and @include; those of deferred fragments too (their loads start now as well).
 */
function collectedFields(info: GraphQLResolveInfo, userType: GraphQLObjectType): FieldNode[] {
  // graphql-tools 13 takes graphql 17's variables (`coerced`, `sources`); on graphql 16 it reads `coerced` only.
  const variables = { coerced: info.variableValues, sources: {} };
  const { fields, patches } = collectSubFields(info.schema, info.fragments, variables, userType, [...info.fieldNodes]);
  const found = [...fields.values()].flat();
  const visit = (deferred: readonly PatchFields[]): void => {
    for (const patch of deferred) {
      found.push(...[...patch.fields.values()].flat());
      visit(patch.patches ?? []);
    }
  };
  visit(patches);
  return found;
}

// The field resolver reports the failure at its own path; here it must not surface as unhandled.
function ignoreFailure(load: Promise<unknown>): void {
  load.catch(() => undefined);
}
