/**
 * What the graph's own answers tell caches between it and the client (a browser, a CDN, a
 * proxy): `Cache-Control: private, no-store` and `Vary: Authorization`. Almost every answer is
 * one caller's (a user's data, read with their credentials, from services that answer per
 * caller), so none may be kept for another; the upstream cache (datasources/upstream-cache.ts)
 * is where reads are reused, per caller where the services say so.
 */
import type { Plugin } from 'graphql-yoga';
import { varyOn } from './cors.js';

export function useAnswerCacheHeaders(): Plugin {
  return {
    onResponse({ request, response }) {
      // A CORS preflight is cached by the browser as Access-Control-Max-Age says, and carries nobody's data.
      if (request.method === 'OPTIONS') return;
      if (!response.headers.has('cache-control')) response.headers.set('cache-control', 'private, no-store');
      varyOn(response.headers, 'Authorization');
    },
  };
}
