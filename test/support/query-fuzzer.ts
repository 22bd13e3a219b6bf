/**
 * Seeded random operations generated from the schema: valid ones (fields, aliases, inline
 * and named fragments, directives, literal and variable arguments) and, from them, invalid
 * ones made by small edits. The same seed gives the same operations on every run.
 */
import {
  getNamedType,
  isInputObjectType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { seededRandom } from '../../demo/seeded-random.js';

export interface FuzzOperation {
  readonly query: string;
  readonly variables: Record<string, unknown>;
}

const IDS = ['u1', 'u2', 'u3', 'o1', 'o2', 'o3', 'p1', 'p2', 'p3', 'nobody', '', 'ü/../%2F?x=1', 'a"b\\c'];

export class QueryFuzzer {
  private readonly next: () => number;

  constructor(
    private readonly schema: GraphQLSchema,
    seed: number,
  ) {
    this.next = seededRandom(seed);
  }

  private int(max: number): number {
    return Math.floor(this.next() * max);
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  private chance(p: number): boolean {
    return this.next() < p;
  }

  /** A valid operation: mostly queries, some mutations. */
  valid(): FuzzOperation {
    const variables: Record<string, unknown> = {};
    const definitions: string[] = [];
    const fragments: string[] = [];
    const mutation = this.chance(0.1);
    const root = (mutation ? this.schema.getMutationType() : this.schema.getQueryType())!;
    const selection = this.selection(root, 0, { variables, definitions, fragments });
    const header = `${mutation ? 'mutation' : 'query'} Fuzz${definitions.length > 0 ? `(${definitions.join(', ')})` : ''}`;
    return { query: [`${header} ${selection}`, ...fragments].join('\n'), variables };
  }

  /** An operation that does not parse or does not validate: a valid one with a few edits. */
  mutate(operation: FuzzOperation): FuzzOperation {
    let query = operation.query;
    const edits = 1 + this.int(3);
    for (let i = 0; i < edits; i++) {
      const at = this.int(query.length + 1);
      switch (this.int(5)) {
        case 0:
          query = query.slice(0, at) + query.slice(at + 1 + this.int(5));
          break;
        case 1:
          query =
            query.slice(0, at) +
            this.pick(['{', '}', '(', ')', '[', ']', ':', '!', '@', '$', '"', '\\', '...', '#', 'ȁ', '\u0000', 'x', '0', ' on ']) +
            query.slice(at);
          break;
        case 2:
          query = query.slice(0, at);
          break;
        case 3: {
          const from = this.int(query.length);
          query = query.slice(0, at) + query.slice(from, from + 1 + this.int(40)) + query.slice(at);
          break;
        }
        default:
          query = query.replace(/\b[a-z]+\b/, (word) => `${word}x`);
      }
    }
    const variables = this.chance(0.3)
      ? { ...operation.variables, [this.pick(['ids', 'v0', 'first', 'input'])]: this.pick([1, 'x', null, [], {}, [null], true]) }
      : operation.variables;
    return { query, variables };
  }

  private selection(type: GraphQLObjectType, depth: number, scope: Scope): string {
    const fields = Object.values(type.getFields());
    const leaves = fields.filter((field) => isLeafType(getNamedType(field.type)));
    // Deep enough: leaves only where there are some; one nested field where there are none.
    const candidates = depth >= 3 && leaves.length > 0 ? leaves : fields;
    const chosen = new Set<GraphQLField<unknown, unknown>>();
    const count = depth >= 3 && leaves.length === 0 ? 1 : 1 + this.int(Math.min(4, candidates.length));
    while (chosen.size < count) chosen.add(this.pick(candidates));
    const parts = [...chosen].map((field) => this.field(field, depth, scope));
    if (this.chance(0.1)) parts.push('__typename');
    if (depth > 0 && this.chance(0.15)) {
      const name = `F${scope.fragments.length}`;
      scope.fragments.push(`fragment ${name} on ${type.name} { ${parts.splice(0, 1)[0]} }`);
      parts.push(`...${name}`);
    }
    if (depth > 0 && this.chance(0.1)) return `{ ... on ${type.name} { ${parts.join(' ')} } }`;
    return `{ ${parts.join(' ')} }`;
  }

  private field(field: GraphQLField<unknown, unknown>, depth: number, scope: Scope): string {
    const alias = this.chance(0.15) ? `a${this.int(1000)}: ` : '';
    const args = field.args
      .filter((arg) => isNonNullType(arg.type) || this.chance(0.5))
      .map((arg) => `${arg.name}: ${this.argument(arg, scope)}`);
    const directive = this.chance(0.08) ? ` @${this.pick(['include', 'skip'])}(if: ${this.chance(0.5)})` : '';
    const named = getNamedType(field.type);
    const sub = isObjectType(named) ? ` ${this.selection(named, depth + 1, scope)}` : '';
    return `${alias}${field.name}${args.length > 0 ? `(${args.join(', ')})` : ''}${directive}${sub}`;
  }

  private argument(arg: GraphQLArgument, scope: Scope): string {
    const value = this.value(arg.type, arg.name);
    if (!this.chance(0.3)) return literal(value);
    const name = `v${scope.definitions.length}`;
    scope.definitions.push(`$${name}: ${String(arg.type)}`);
    scope.variables[name] = value;
    return `$${name}`;
  }

  private value(type: GraphQLInputType, name: string): unknown {
    const inner = isNonNullType(type) ? type.ofType : type;
    if (isListType(inner)) return Array.from({ length: this.int(name === 'ids' ? 12 : 4) }, () => this.value(inner.ofType, name));
    if (isInputObjectType(inner)) {
      return Object.fromEntries(Object.values(inner.getFields()).map((field) => [field.name, this.value(field.type, field.name)]));
    }
    if (isScalarType(inner)) {
      switch (inner.name) {
        case 'Int':
          return name === 'first' ? 1 + this.int(this.chance(0.9) ? 20 : 120) : this.int(12);
        case 'Boolean':
          return this.chance(0.5);
        case 'ID':
          return this.pick(IDS);
        default:
          return name === 'idempotencyKey' ? `fuzz-${this.int(1e9)}` : this.pick(['', 'x', 'é', 'a'.repeat(50)]);
      }
    }
    return null;
  }
}

interface Scope {
  variables: Record<string, unknown>;
  definitions: string[];
  fragments: string[];
}

/** A JavaScript value as a GraphQL literal (the schema takes no enum arguments). */
function literal(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (value !== null && typeof value === 'object')
    return `{ ${Object.entries(value)
      .map(([k, v]) => `${k}: ${literal(v)}`)
      .join(', ')} }`;
  return JSON.stringify(value);
}
