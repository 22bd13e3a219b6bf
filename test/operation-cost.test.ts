/**
 * The cost estimate, rule by rule, as Apollo Router's demand control documents it for the IBM
 * GraphQL Cost Directives (security/operation-cost.ts): each rule against a worked example on a
 * small schema of its own, whose arithmetic the test spells out.
 */
import { buildSchema, getOperationAST, getVariableValues, isObjectType, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { CostInputError, CostModel, CostWalkTooLong, MAX_FIELDS_WALKED } from '../security/operation-cost.js';
import { subgraphSchema } from '../server/subgraph.js';

const SCHEMA = buildSchema(`
  directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
  directive @listSize(
    assumedSize: Int, slicingArguments: [String!], sizedFields: [String!], requireOneSlicingArgument: Boolean = true
  ) on FIELD_DEFINITION

  scalar Money @cost(weight: 2)
  enum Genre { NOVEL POETRY }
  type Query {
    book(id: ID): Book
    books: [Book!]!
    bestsellers(first: Int = 5): [Book!]! @listSize(slicingArguments: ["first"])
    search(first: Int, last: Int): [Book!]!
      @listSize(slicingArguments: ["first", "last"], requireOneSlicingArgument: false, assumedSize: 20)
    strict(first: Int, last: Int): [Book!]! @listSize(slicingArguments: ["first", "last"])
    shelf(first: Int!): Shelf @listSize(slicingArguments: ["first"], sizedFields: ["books"])
    tags: [String!]! @listSize(assumedSize: 50)
    expensive: Int @cost(weight: 20)
    media: Media
    thing: Thing
    filtered(filter: Filter, ids: [ID!], heavy: Int @cost(weight: 3)): [Book!]! @listSize(assumedSize: 1)
    users(ids: [ID!]!): [Book]! @listSize(assumedSize: 100)
  }
  type Mutation { addBook(title: String!): Book @cost(weight: 10) }
  type Shelf { books: [Book!]! label: String }
  type Book { id: ID! title: String! genre: Genre price: Money author: Author publisher: Publisher @cost(weight: 4) }
  type Author { name: String! }
  type Publisher @cost(weight: 3) { name: String! address: Address }
  type Address { zipCode: String }
  interface Thing { id: ID! }
  type Gadget implements Thing { id: ID! maker: Author }
  union Media = Book | Author
  input Filter { title: String genre: Genre tags: [Tag!] weight: Int @cost(weight: 7) }
  input Tag { name: String! }
`);

const model = new CostModel(SCHEMA, 10);

/** The estimate of `query` with `variables`, coerced as execution coerces them. */
function cost(query: string, variables: Record<string, unknown> = {}): number {
  const document = parse(query);
  const operation = getOperationAST(document)!;
  const { coerced, errors } = getVariableValues(SCHEMA, operation.variableDefinitions ?? [], variables);
  if (errors !== undefined) throw new Error(errors[0]!.message);
  return model.estimate(document, operation, coerced).estimated;
}

describe('the cost of an operation (IBM cost directives, as Apollo Router computes them)', () => {
  it("an operation's base: a query 0, a mutation 10", () => {
    expect(cost('{ __typename }')).toBe(0);
    // 10 for the mutation, 10 for the field's @cost (an object's 1 replaced), the scalar argument 0.
    expect(cost('mutation { addBook(title: "x") { id } }')).toBe(20);
  });

  it("Apollo's example: objects 1 each, scalars and enums 0", () => {
    // book (1) + author (1) + publisher (its type's @cost 3... its field's @cost 4 wins) + address (1)
    expect(cost('{ book(id: 1) { title genre author { name } } }')).toBe(2);
    expect(cost('{ book(id: 1) { title author { name } publisher { name address { zipCode } } } }')).toBe(1 + 1 + 4 + 1);
  });

  it("a field's @cost, else its type's (object or scalar), else the default", () => {
    expect(cost('{ expensive }')).toBe(20);
    // price: the scalar Money costs 2.
    expect(cost('{ book { price } }')).toBe(1 + 2);
  });

  it('interfaces and unions cost 1, each fragment below them counted', () => {
    expect(cost('{ thing { id ... on Gadget { maker { name } } } }')).toBe(1 + 1);
    expect(cost('{ media { ... on Book { author { name } } ... on Author { name } } }')).toBe(1 + 1);
  });

  it('a list counts its items: COST_DEFAULT_LIST_SIZE without @listSize', () => {
    // 10 books x (1 + author 1).
    expect(cost('{ books { id author { name } } }')).toBe(20);
    // A list of scalars costs what its items do: nothing.
    expect(cost('{ tags }')).toBe(0);
  });

  it('a slicing argument sizes its list: literal, variable, or its default', () => {
    expect(cost('{ bestsellers(first: 3) { id } }')).toBe(3);
    expect(cost('query ($n: Int) { bestsellers(first: $n) { id } }', { n: 7 })).toBe(7);
    expect(cost('{ bestsellers { id } }')).toBe(5);
    // A variable's own default counts as given.
    expect(cost('query ($n: Int = 4) { bestsellers(first: $n) { id } }')).toBe(4);
  });

  it('with several slicing arguments the largest counts; none given falls back to assumedSize', () => {
    expect(cost('{ search(first: 3, last: 8) { id } }')).toBe(8);
    expect(cost('{ search { id } }')).toBe(20);
  });

  it('requireOneSlicingArgument (the default): exactly one slicing argument with a value, or the operation is refused', () => {
    expect(cost('{ strict(first: 2) { id } }')).toBe(2);
    expect(() => cost('{ strict { id } }')).toThrow(CostInputError);
    expect(() => cost('{ strict(first: 1, last: 2) { id } }')).toThrow(/exactly one/);
  });

  it('sizedFields: the slicing argument sizes the lists of the object returned (a connection)', () => {
    // shelf (1) + books: 6 x (1 + author 1); label 0.
    expect(cost('{ shelf(first: 6) { label books { author { name } } } }')).toBe(1 + 6 * 2);
  });

  it('arguments: an input object 1 plus its fields, a list the sum of its items, @cost weights, null nothing', () => {
    // filtered: 1 item (assumedSize) x 1; filter: 1 + title 0 + tags (2 Tags, 1 each) + weight 7.
    expect(cost('{ filtered(filter: { title: "x", tags: [{ name: "a" }, { name: "b" }], weight: 1 }) { id } }')).toBe(1 + 1 + 2 + 7);
    expect(cost('query ($f: Filter) { filtered(filter: $f) { id } }', { f: { tags: [{ name: 'a' }] } })).toBe(1 + 1 + 1);
    expect(cost('{ filtered(filter: null, heavy: 1, ids: ["a", "b"]) { id } }')).toBe(1 + 3);
  });

  it('@skip and @include leave a field out, literal or variable', () => {
    expect(cost('{ book { author @skip(if: true) { name } } }')).toBe(1);
    expect(cost('query ($on: Boolean!) { book { author @include(if: $on) { name } } }', { on: false })).toBe(1);
    expect(cost('query ($on: Boolean!) { book { author @include(if: $on) { name } } }', { on: true })).toBe(2);
  });

  it('fragments and aliases: each selection counted where it stands', () => {
    expect(cost('{ a: book { ...B } b: book { ...B } } fragment B on Book { author { name } }')).toBe(4);
  });

  it('__typename and introspection cost nothing', () => {
    expect(cost('{ __schema { types { name } } book { __typename } }')).toBe(1);
  });

  it("this graph's deviation: a list sized by a list argument's length (users(ids:)), not its assumedSize", () => {
    expect(cost('{ users(ids: ["a", "b", "c"]) { id } }')).toBe(3);
    expect(cost('query ($ids: [ID!]!) { users(ids: $ids) { author { name } } }', { ids: ['a'] })).toBe(2);
  });

  it('an operation that names too many fields once its fragments are spread is not walked to the end', () => {
    const fragments = ['fragment F0 on Book { id }'];
    for (let i = 1; i <= 16; i++) fragments.push(`fragment F${i} on Book { ...F${i - 1} ...F${i - 1} }`);
    expect(2 ** 16).toBeGreaterThan(MAX_FIELDS_WALKED);
    expect(() => cost(`{ book { ...F16 } } ${fragments.join(' ')}`)).toThrow(CostWalkTooLong);
  });

  it('the lists an actual cost follows: each list of objects by position, its estimated size and one item’s cost', () => {
    const document = parse('{ shelf(first: 4) { books { author { name } } } books { id } }');
    const { lists } = model.estimate(document, getOperationAST(document)!, {});
    expect(Object.fromEntries(lists)).toEqual({ 'shelf.books': { size: 4, perItem: 2 }, books: { size: 10, perItem: 1 } });
  });
});

describe("the graph's own weights", () => {
  it('every field with a @cost says what it costs in the description GraphiQL shows', () => {
    const schema = subgraphSchema();
    const graphModel = new CostModel(schema, 10);
    const weighted: [string, number, string][] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        const weight = graphModel.weightOf(field);
        if (weight !== undefined) weighted.push([`${type.name}.${field.name}`, weight, field.description ?? '']);
      }
    }
    expect(weighted.length).toBeGreaterThanOrEqual(9);
    for (const [coordinate, weight, description] of weighted) expect(description, coordinate).toContain(`Costs ${weight}`);
  });
});
