/**
 * CSRF prevention: yoga's own plugin (@graphql-yoga/plugin-csrf-prevention). A request that a
 * third-party page could make a browser send without a CORS preflight (a GET, or a form's
 * content type) must carry a header such a page cannot set. Its refusal carries no code and
 * says little; it is answered as ours instead (`CSRF_PREVENTED`, saying what to send).
 */
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { csrfPrevented } from '../errors/graph-errors.js';

/** The header that shows a request was not sent by a form or a plain link (yoga's name for it). */
export const CSRF_HEADER = 'x-graphql-yoga-csrf';

export function useCsrfPrevention(): Plugin {
  const { onRequestParse } = useCSRFPrevention({ requestHeaders: [CSRF_HEADER] });
  return {
    onRequestParse(payload) {
      try {
        return onRequestParse?.(payload);
      } catch (error) {
        throw error instanceof GraphQLError ? csrfPrevented(CSRF_HEADER) : error;
      }
    },
  };
}
