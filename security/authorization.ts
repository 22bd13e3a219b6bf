/**
 * Authorization: what a known caller may see and do. The whole rule is here, and the SDL
 * marks the fields it guards with `@ownerOnly(owner: ...)` (schema/directives.graphql):
 * a value that belongs to a user is for that user and for admins only.
 */
import { getDirective } from '@graphql-tools/utils';
import { defaultFieldResolver, type GraphQLFieldConfig, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { forbidden } from '../errors/graph-errors.js';
import type { Viewer } from './authentication.js';

/** What the rule reads of a request's context: who is asking. */
interface ViewerContext {
  readonly viewer: Viewer | undefined;
}

/**
 * Whether the caller may see and act for the user with this id. Without a viewer
 * (authentication off) every caller is trusted.
 */
export function mayActFor(viewer: Viewer | undefined, userId: string): boolean {
  return viewer === undefined || viewer.admin || viewer.userId === userId;
}

/** Fails closed: an owner that cannot be read is nobody's, so only admins (or no authentication) pass. */
function mayUse(viewer: Viewer | undefined, owner: unknown): boolean {
  return typeof owner === 'string' ? mayActFor(viewer, owner) : viewer === undefined || viewer.admin;
}

type OwnerLocation = { from: 'parent' | 'args' | 'result'; path: string[] };

function parseOwner(owner: string, coordinate: string): OwnerLocation {
  const [from, ...path] = owner.split('.');
  if ((from !== 'parent' && from !== 'args' && from !== 'result') || path.length === 0 || path.some((part) => part === '')) {
    throw new Error(`@ownerOnly(owner: "${owner}") on ${coordinate}: owner must be parent.<field>, args.<path> or result.<field>`);
  }
  return { from, path };
}

function read(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) current = typeof current === 'object' && current !== null ? (current as Record<string, unknown>)[key] : undefined;
  return current;
}

/**
 * The rule as a field mapper (@graphql-tools/utils' `mapSchema`): the resolver of an `@ownerOnly`
 * field wrapped with the check, any other field as it is. Built for `schema`, whose directives
 * it reads; a malformed `owner` stops the server as it starts.
 */
export function ownerRules(
  schema: GraphQLSchema,
): (field: GraphQLFieldConfig<unknown, unknown>, fieldName: string, typeName: string) => GraphQLFieldConfig<unknown, unknown> {
  return (field, fieldName, typeName) => {
    const directive = getDirective(schema, field, 'ownerOnly')?.[0] as { owner: string } | undefined;
    if (directive === undefined) return field;
    const coordinate = `${typeName}.${fieldName}`;
    const { from, path } = parseOwner(directive.owner, coordinate);
    const resolve = (field.resolve ?? defaultFieldResolver) as GraphQLFieldResolver<unknown, ViewerContext>;
    const guarded: GraphQLFieldResolver<unknown, ViewerContext> =
      from === 'result'
        ? async (source, args, context, info) => {
            const value: unknown = await resolve(source, args, context, info);
            if (value != null && !mayUse(context.viewer, read(value, path))) throw forbidden(coordinate);
            return value;
          }
        : (source, args, context, info) => {
            if (!mayUse(context.viewer, read(from === 'parent' ? source : args, path))) throw forbidden(coordinate);
            return resolve(source, args, context, info);
          };
    return { ...field, resolve: guarded as GraphQLFieldResolver<unknown, unknown> };
  };
}
