/**
 * What an operation costs, by the IBM GraphQL Cost Directives (`@cost`, `@listSize`) as Apollo
 * Router's demand control computes them, so that this graph and a router in front of it agree:
 *
 * - an operation costs its base (a mutation 10, a query 0) plus its fields;
 * - a field costs, once per item it returns (1 unless it is a list), its weight (`@cost` on the
 *   field, else on its type, else 1 for an object, interface or union and 0 for a scalar or enum)
 *   plus the cost of its selections; then, once, the cost of its arguments;
 * - a list's size is the largest slicing argument given (a default counts as given), else
 *   `@listSize(assumedSize:)`, else what the field's parent's `@listSize` says for its
 *   `sizedFields`, else `COST_DEFAULT_LIST_SIZE`; with `requireOneSlicingArgument` exactly one
 *   slicing argument must have a value;
 * - an argument costs its weight (`@cost`), an input object 1 plus its fields, a list the sum of
 *   its items, `null` nothing;
 * - `__typename`, introspection, and fields that `@skip` or `@include` leave out cost nothing.
 *
 * One deviation, because the spec cannot say it: a list sized by another list's length
 * (`users(ids:)`, `_entities(representations:)`) counts as many items as that argument holds.
 * The SDL gives routers `@listSize(assumedSize: 100)` for `users`, its largest batch.
 *
 * The actual cost is the estimate with each list at the length it came back with: every list
 * of objects tells its length as it resolves (`countLists`), and the difference from its
 * estimated size, times what one of its items was estimated to cost, is added to the estimate.
 * Nothing walks the answer a second time.
 */
import {
  getDirectiveValues,
  getNamedType,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isCompositeType,
  isInputObjectType,
  isListType,
  isNonNullType,
  Kind,
  OperationTypeNode,
  valueFromAST,
  type ConstDirectiveNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputField,
  type GraphQLNamedType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type GraphQLType,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** What a mutation costs before its fields (Apollo Router's operation type cost). */
export const MUTATION_BASE_COST = 10;

/**
 * The lists sized by another argument's length, by schema coordinate: this graph's one deviation
 * from the spec, whose `@listSize` has no way to say it.
 */
export const SIZED_BY_LENGTH: Readonly<Record<string, string>> = { 'Query.users': 'ids', 'Query._entities': 'representations' };

/** `@listSize`'s arguments as the SDL gives them. */
export interface ListSize {
  readonly assumedSize: number | undefined;
  readonly slicingArguments: readonly string[] | undefined;
  readonly sizedFields: readonly string[] | undefined;
  readonly requireOneSlicingArgument: boolean;
}

/** An operation's estimate, and what its actual cost needs: each list's estimated size and the cost of one of its items, by position. */
export interface CostEstimate {
  readonly estimated: number;
  /** By response path without list indexes (`user.orders.nodes`). */
  readonly lists: ReadonlyMap<string, { readonly size: number; readonly perItem: number }>;
}

/** The operation cannot be costed as the spec asks (a `@listSize` whose `requireOneSlicingArgument` is not met). */
export class CostInputError extends Error {
  constructor(
    message: string,
    readonly node: FieldNode,
  ) {
    super(message);
  }
}

/**
 * Fields an estimate walks at most. Fragments spread again and again can make a short document
 * name more fields than it has characters (execution merges them; a walk by the spec does not):
 * past this, the operation is refused as too expensive without walking further.
 */
export const MAX_FIELDS_WALKED = 10_000;

/** The operation names more than `MAX_FIELDS_WALKED` fields once its fragments are spread. */
export class CostWalkTooLong extends Error {
  constructor() {
    super(`The operation names more than ${MAX_FIELDS_WALKED} fields once its fragments are spread.`);
  }
}

/** The cost directives of one schema, read once, and the estimate of an operation against them. */
export class CostModel {
  private readonly weights = new WeakMap<object, number | undefined>();
  private readonly listSizes = new WeakMap<GraphQLField<unknown, unknown>, ListSize | undefined>();

  constructor(
    readonly schema: GraphQLSchema,
    readonly defaultListSize: number,
  ) {}

  /** The cost of `operation` with these (coerced) variables, and the lists its actual cost follows. */
  estimate(document: DocumentNode, operation: OperationDefinitionNode, variables: Readonly<Record<string, unknown>>): CostEstimate {
    const root = this.schema.getRootType(operation.operation);
    const walk = new Walk(this, fragmentsOf(document), variables);
    const base = operation.operation === OperationTypeNode.MUTATION ? MUTATION_BASE_COST : 0;
    const estimated = root == null ? base : base + walk.selections(operation.selectionSet, root, undefined, '');
    return { estimated, lists: walk.lists };
  }

  /** `@cost(weight:)` on a field, argument, input field or type. */
  weightOf(element: GraphQLField<unknown, unknown> | GraphQLArgument | GraphQLInputField | GraphQLNamedType): number | undefined {
    if (!this.weights.has(element)) this.weights.set(element, this.applied('cost', element.astNode)?.weight as number | undefined);
    return this.weights.get(element);
  }

  /** A field's own weight: its `@cost`, its type's, or the spec's default for its kind. */
  fieldWeight(field: GraphQLField<unknown, unknown>): number {
    const type = getNamedType(field.type);
    return this.weightOf(field) ?? this.weightOf(type) ?? (isCompositeType(type) ? 1 : 0);
  }

  listSizeOf(field: GraphQLField<unknown, unknown>): ListSize | undefined {
    if (!this.listSizes.has(field)) this.listSizes.set(field, this.applied('listSize', field.astNode) as ListSize | undefined);
    return this.listSizes.get(field);
  }

  /** The arguments of the cost directive `name` where `node` applies it, defaults filled in (graphql-js coerces them). */
  private applied(name: 'cost' | 'listSize', node: { readonly directives?: readonly ConstDirectiveNode[] } | null | undefined) {
    const directive = this.schema.getDirective(name);
    return directive == null || node == null ? undefined : getDirectiveValues(directive, node);
  }
}

function fragmentsOf(document: DocumentNode): ReadonlyMap<string, FragmentDefinitionNode> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions)
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  return fragments;
}

/** The size a parent's `@listSize` gives the lists it names in `sizedFields`. */
interface SizedBy {
  readonly size: number | undefined;
  readonly fields: readonly string[];
}

/** One walk of an operation's selections: the cost, and each list's size and item cost by position. */
class Walk {
  readonly lists = new Map<string, { size: number; perItem: number }>();
  private walked = 0;

  constructor(
    private readonly model: CostModel,
    private readonly fragments: ReadonlyMap<string, FragmentDefinitionNode>,
    private readonly variables: Readonly<Record<string, unknown>>,
  ) {}

  selections(set: SelectionSetNode, parent: GraphQLNamedType, sized: SizedBy | undefined, path: string): number {
    let cost = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.FIELD) cost += this.field(selection, parent, sized, path);
      else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition === undefined ? parent : this.typeNamed(selection.typeCondition.name.value, parent);
        cost += this.selections(selection.selectionSet, type, sized, path);
      } else {
        const fragment = this.fragments.get(selection.name.value);
        if (fragment !== undefined)
          cost += this.selections(fragment.selectionSet, this.typeNamed(fragment.typeCondition.name.value, parent), sized, path);
      }
    }
    return cost;
  }

  private typeNamed(name: string, fallback: GraphQLNamedType): GraphQLNamedType {
    return this.model.schema.getType(name) ?? fallback;
  }

  private field(node: FieldNode, parent: GraphQLNamedType, sized: SizedBy | undefined, path: string): number {
    const name = node.name.value;
    if (name.startsWith('__') || this.leftOut(node)) return 0;
    if (++this.walked > MAX_FIELDS_WALKED) throw new CostWalkTooLong();
    // Validation has checked every field against the schema: one not found is an abstract type's `__typename`-only selection.
    if (!('getFields' in parent)) return 0;
    const definition = (parent.getFields() as Record<string, GraphQLField<unknown, unknown> | undefined>)[name];
    if (definition === undefined) return 0;
    const { given, sizing } = this.argumentValues(node, definition);
    const listSize = this.model.listSizeOf(definition);
    const ownSize = listSize === undefined ? undefined : this.slicedSize(listSize, sizing, node);
    const position = path === '' ? (node.alias ?? node.name).value : `${path}.${(node.alias ?? node.name).value}`;
    const type = getNamedType(definition.type);
    const childrenSizedBy = listSize?.sizedFields === undefined ? undefined : { size: ownSize, fields: listSize.sizedFields };
    const perItem =
      this.model.fieldWeight(definition) +
      (node.selectionSet === undefined ? 0 : this.selections(node.selectionSet, type, childrenSizedBy, position));
    let count = 1;
    if (isList(definition.type)) {
      count = this.listCount(`${parent.name}.${name}`, sizing, sized, name, ownSize);
      if (isCompositeType(type)) {
        const known = this.lists.get(position);
        // Fields merged at one position resolve once, with their selections together.
        this.lists.set(position, { size: count, perItem: (known?.perItem ?? 0) + perItem });
      }
    }
    return count * perItem + this.argumentsCost(given);
  }

  /** How many items a list field is estimated to return. */
  private listCount(
    coordinate: string,
    args: Readonly<Record<string, unknown>>,
    sized: SizedBy | undefined,
    name: string,
    own: number | undefined,
  ): number {
    const byLength = SIZED_BY_LENGTH[coordinate];
    if (byLength !== undefined) {
      const value = args[byLength];
      return Array.isArray(value) ? value.length : value === undefined || value === null ? 0 : 1;
    }
    if (sized !== undefined && sized.size !== undefined && sized.fields.includes(name)) return sized.size;
    return own ?? this.model.defaultListSize;
  }

  /** The size `@listSize` gives a field: its largest slicing argument with a value, else `assumedSize`. */
  private slicedSize(listSize: ListSize, args: Readonly<Record<string, unknown>>, node: FieldNode): number | undefined {
    if (listSize.slicingArguments !== undefined) {
      const given = listSize.slicingArguments.map((name) => args[name]).filter((value): value is number => typeof value === 'number');
      if (listSize.requireOneSlicingArgument && given.length !== 1)
        throw new CostInputError(
          `${node.name.value} needs exactly one of its slicing arguments (${listSize.slicingArguments.join(', ')}), got ${given.length}.`,
          node,
        );
      if (given.length > 0) return Math.max(...given);
    }
    return listSize.assumedSize;
  }

  /**
   * The field's arguments as execution will see them: those the operation gave (what arguments
   * cost), and with the definition's defaults too (what sizes a list).
   */
  private argumentValues(
    node: FieldNode,
    definition: GraphQLField<unknown, unknown>,
  ): { given: Map<GraphQLArgument, unknown>; sizing: Record<string, unknown> } {
    const given = new Map<GraphQLArgument, unknown>();
    const sizing: Record<string, unknown> = {};
    for (const argument of definition.args) {
      const node_ = node.arguments?.find((a) => a.name.value === argument.name);
      if (node_ !== undefined) {
        const value = valueFromAST(node_.value, argument.type, this.variables);
        given.set(argument, value);
        sizing[argument.name] = value;
      } else if (argument.defaultValue !== undefined) sizing[argument.name] = argument.defaultValue;
    }
    return { given, sizing };
  }

  private argumentsCost(given: ReadonlyMap<GraphQLArgument, unknown>): number {
    let cost = 0;
    for (const [argument, value] of given) cost += this.inputCost(value, argument);
    return cost;
  }

  /** An argument's or input field's cost: its weight, an input object 1 plus its fields, a list its items. */
  private inputCost(value: unknown, definition: GraphQLArgument | GraphQLInputField): number {
    if (value === null || value === undefined) return 0;
    const weight = this.model.weightOf(definition);
    if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + this.inputCost(item, definition), weight ?? 0);
    const type = getNamedType(definition.type);
    if (isInputObjectType(type) && typeof value === 'object') {
      let cost = weight ?? 1;
      const fields = type.getFields();
      for (const [name, field] of Object.entries(value as Record<string, unknown>))
        if (fields[name] !== undefined) cost += this.inputCost(field, fields[name]);
      return cost;
    }
    return weight ?? 0;
  }

  /** Left out by `@skip(if: true)` or `@include(if: false)`, literal or variable. */
  private leftOut(node: FieldNode): boolean {
    if (node.directives === undefined || node.directives.length === 0) return false;
    const variables = this.variables as Record<string, unknown>;
    if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return true;
    return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if === false;
  }
}

function isList(type: GraphQLOutputType | GraphQLType): boolean {
  return isListType(isNonNullType(type) ? type.ofType : type);
}
