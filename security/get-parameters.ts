/**
 * A GET request's parameters. `variables` and `extensions` must be JSON objects. Yoga's GET
 * parser hands them to `JSON.parse` unguarded, so `?variables=abc` ended as a 500 with
 * "Unexpected error." (found by test/http-fuzz.test.ts); here it is the client's error.
 * It keeps only the four standard parameters: the others the graph takes are read here, so
 * that the plugins after it find them in the parameters, as they do a POST body's.
 */
import type { Plugin } from 'graphql-yoga';
import { ON_ERROR_PARAMETER } from '../errors/error-mode.js';
import { badRequest } from '../errors/graph-errors.js';

/** A persisted operation's `documentId` (GraphQL over HTTP), and `onError`. */
const EXTRA_PARAMETERS = ['documentId', ON_ERROR_PARAMETER];

export function useGetParameters(): Plugin {
  return {
    onParams({ request, params, setParams }) {
      if (request.method !== 'GET') return;
      const { searchParams } = new URL(request.url);
      const extra = EXTRA_PARAMETERS.flatMap((name) => {
        const value = searchParams.get(name);
        return value === null || value === '' ? [] : [[name, value] as const];
      });
      if (extra.length > 0) setParams({ ...params, ...Object.fromEntries(extra) } as typeof params);
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
