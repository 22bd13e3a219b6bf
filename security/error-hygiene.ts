/**
 * The last look at every answer's errors before they are sent, wherever they came from
 * (yoga's request parser, graphql-js's parser, validation and variable coercion, our own):
 *
 * - no `Did you mean …?` when suggestions are hidden (production): graphql-js makes them in
 *   validation and in variable coercion alike (a misspelt input field in the variables);
 * - nothing of `extensions.originalError`: yoga attaches the parser's error (with a snippet
 *   of the body) to a malformed JSON body; the client needs none of a library's internals;
 * - a code on graphql-js's refusal past 100 validation errors ("Validation aborted."), which
 *   has none.
 *
 * Errors may be shared (yoga caches validation results) or frozen: a changed one is a copy.
 */
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';

const SUGGESTION = /\s*Did you mean [^?]*\?/g;
const VALIDATION_ABORTED = 'Too many validation errors, error limit reached. Validation aborted.';

export function useErrorHygiene(options: { hideSuggestions: boolean }): Plugin {
  const clean = (error: GraphQLError): GraphQLError => {
    if (!(error instanceof GraphQLError)) return error;
    const message = options.hideSuggestions ? error.message.replace(SUGGESTION, '') : error.message;
    const { originalError: internal, ...rest } = error.extensions as Record<string, unknown>;
    // The entry stays, saying nothing of the body: yoga answers an error whose extensions carry
    // a non-GraphQL `originalError` as a request error (400 even to application/json:
    // result-processor/regular.js), and without it the malformed body would be answered 200.
    const extensions =
      internal === undefined ? rest : { ...rest, originalError: { name: 'Error', message: 'The request could not be read.' } };
    const aborted = error.message === VALIDATION_ABORTED && extensions.code === undefined;
    if (message === error.message && internal === undefined && !aborted) return error;
    return new GraphQLError(message, {
      ...(error.nodes === undefined ? {} : { nodes: error.nodes }),
      ...(error.path === undefined ? {} : { path: error.path }),
      ...(error.originalError == null ? {} : { originalError: error.originalError }),
      extensions: aborted ? { ...extensions, code: 'GRAPHQL_VALIDATION_FAILED' } : extensions,
    });
  };
  return {
    onResultProcess(payload) {
      const { result } = payload;
      const cleaned = (one: typeof result) => {
        if (!('errors' in one) || !Array.isArray(one.errors)) return one;
        const errors = (one.errors as GraphQLError[]).map(clean);
        return errors.every((error, i) => error === one.errors![i]) ? one : { ...one, errors };
      };
      // Most answers have nothing to clean: they are left as they are.
      if (Array.isArray(result)) {
        const all = result.map(cleaned);
        if (all.some((one, i) => one !== result[i])) payload.setResult(all as unknown as typeof result);
      } else if (!(Symbol.asyncIterator in result)) {
        const one = cleaned(result);
        if (one !== result) payload.setResult(one);
      }
    },
  };
}
