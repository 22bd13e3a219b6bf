/**
 * The subgraph's `_service { sdl }` (Apollo Federation) is the whole schema with every
 * description: as telling as introspection, and refused where introspection is (production),
 * while validating the document, unless `SUBGRAPH_SDL=on` (a router that fetches it at run
 * time). `_entities`, which a router needs to resolve references, stays served.
 */
import type { ValidationRule } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { subgraphSdlRefused } from '../errors/graph-errors.js';

const noSubgraphSdl: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === '_service' && context.getParentType() === context.getSchema().getQueryType())
      context.reportError(subgraphSdlRefused([node]));
  },
});

export function useSubgraphSdlRefusal(): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(noSubgraphSdl);
    },
  };
}
