/**
 * A GET request's parameters. `variables` and `extensions` must be JSON objects. Yoga's GET
 * parser hands them to `JSON.parse` unguarded, so `?variables=abc` ended as a 500 with
 * "Unexpected error." (found by test/http-fuzz.test.ts); here it is the client's error.
 */
import type { Plugin } from 'graphql-yoga';
import { badRequest } from '../errors/graph-errors.js';

export function useGetParameters(): Plugin {
  return {
    // Yoga's GET parser keeps only the four standard parameters: a persisted operation's
    // `documentId` (GraphQL over HTTP) is read here.
    onParams({ request, params, setParams }) {
      if (request.method !== 'GET') return;
      const documentId = new URL(request.url).searchParams.get('documentId');
      if (documentId !== null && documentId !== '') setParams({ ...params, documentId } as typeof params);
    },
    onRequestParse({ request, url }) {
      if (request.method !== 'GET') return;
      for (const name of ['variables', 'extensions']) {
        const raw = url.searchParams.get(name);
        if (raw === null || raw === '') continue;
        let value: unknown;
        try {
          value = JSON.parse(raw);
        } catch {
          throw badRequest(`The ${name} parameter is not JSON.`);
        }
        if (value !== null && (typeof value !== 'object' || Array.isArray(value)))
          throw badRequest(`The ${name} parameter is not a JSON object.`);
      }
    },
  };
}
