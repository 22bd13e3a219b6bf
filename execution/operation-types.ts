/**
 * The operation types the graph serves: queries and mutations. A `subscription` (there is no
 * subscription type) is refused while the document is validated, with a code and the status
 * GraphQL over HTTP gives a request error, instead of the executor's bare message.
 */
import { OperationTypeNode, type ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { operationNotSupported } from '../errors/graph-errors.js';

const servedTypes: ValidationRule = (context) => ({
  OperationDefinition(node) {
    const root = context.getSchema().getRootType(node.operation);
    if (node.operation === OperationTypeNode.SUBSCRIPTION && root === undefined)
      context.reportError(operationNotSupported(node.operation, [node]));
  },
});

export function useServedOperationTypes(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(servedTypes);
    },
  };
}
