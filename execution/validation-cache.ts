/**
 * The validation result of a document, kept with the document: a request whose text was seen
 * before (its parsed document comes from the document cache) is not validated again.
 *
 * Yoga's cache does the same, keyed by the names of the rules joined into one string: some
 * forty rule names copied, joined and hashed on every request (the profile query's profile showed
 * it). Here the key is the same, the rules' names in order: a plugin may add a rule for some
 * requests only (envelop#1598, for the introspection refusal), and the graphql-armor plugins make
 * new rule functions on every request, so their identity says nothing. It is walked through a
 * tree of maps whose keys are the names themselves, with no string built; graphql-js's own rules,
 * which start every list, compared by identity and their part of the walk done once. Results are
 * held per schema and per document object, in weak maps: they go when the document leaves its cache.
 *
 * It must be the last plugin to add a validation rule (the pipeline lists it last): it sees
 * the rules added before it, and a rule added after it would escape the key.
 */
import { specifiedRules, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Distinct rule lists remembered at most: the plugins make a handful; past it, no caching. */
const MAX_RULE_LISTS = 64;

type Results = WeakMap<GraphQLSchema, WeakMap<DocumentNode, readonly Error[]>>;

interface Node {
  readonly next: Map<string, Node>;
  /** The results for the rule list that ends here. */
  results?: Results;
}

export function useValidationCache(): Plugin {
  const root: Node = { next: new Map() };
  let lists = 0;

  /** The node reached from `node` by the names of `rules[from..]`, or undefined when too many lists were seen to remember another. */
  const walk = (node: Node, rules: readonly ValidationRule[], from: number): Node | undefined => {
    for (let i = from; i < rules.length; i++) {
      const { name } = rules[i]!;
      let child = node.next.get(name);
      if (child === undefined) {
        if (lists >= MAX_RULE_LISTS) return undefined;
        child = { next: new Map() };
        node.next.set(name, child);
      }
      node = child;
    }
    return node;
  };

  // Every list starts with graphql-js's own rules (envelop's engine adds them first): the node
  // after their names is found once, and a list that starts with those very functions starts
  // there, compared by identity (reading each function's name costs more than the comparison).
  let afterSpecified: Node | undefined;
  const startsWithSpecified = (rules: readonly ValidationRule[]): boolean => {
    if (rules.length < specifiedRules.length) return false;
    for (let i = 0; i < specifiedRules.length; i++) if (rules[i] !== specifiedRules[i]) return false;
    return true;
  };

  /** The results of this rule list, or undefined when too many lists were seen to remember another. */
  const resultsOf = (rules: readonly ValidationRule[]): Results | undefined => {
    let node: Node | undefined;
    if (startsWithSpecified(rules)) {
      afterSpecified ??= walk(root, specifiedRules, 0);
      node = afterSpecified === undefined ? undefined : walk(afterSpecified, rules, specifiedRules.length);
    } else node = walk(root, rules, 0);
    if (node === undefined) return undefined;
    if (node.results === undefined) {
      if (lists >= MAX_RULE_LISTS) return undefined;
      lists += 1;
      node.results = new WeakMap();
    }
    return node.results;
  };

  return {
    onValidate({ params, setResult }) {
      // envelop types these as `any`: they are graphql-js's.
      const { schema, documentAST, rules } = params as {
        schema: GraphQLSchema;
        documentAST: DocumentNode;
        rules?: readonly ValidationRule[];
      };
      const results = resultsOf(rules ?? []);
      if (results === undefined) return;
      let bySchema = results.get(schema);
      if (bySchema === undefined) {
        bySchema = new WeakMap();
        results.set(schema, bySchema);
      }
      const known = bySchema.get(documentAST);
      if (known !== undefined) {
        setResult(known);
        return;
      }
      const store = bySchema;
      return ({ result }) => {
        store.set(documentAST, result);
      };
    },
  };
}
