/**
 * Yoga answers some refusals with a status and no body: 404 (a path that is not the
 * endpoint), 405, 406 (nothing it can answer in the `accept`ed types) and 415 (a content type
 * it does not read). Each gets the JSON body every other refusal has, with a code, and keeps
 * its headers (`allow`, `accept`).
 */
import type { Plugin } from 'graphql-yoga';
import { refusalBody } from '../errors/http-refusal.js';
import type { HttpRefusalCode } from '../errors/codes.js';

const REFUSALS: Record<number, [HttpRefusalCode, string]> = {
  404: ['NOT_FOUND', 'Nothing is served at this path: the graph is at /graphql.'],
  405: ['METHOD_NOT_ALLOWED', 'This method is not allowed here: see the allow header.'],
  406: ['NOT_ACCEPTABLE', 'No answer in a type the accept header allows: accept application/graphql-response+json or application/json.'],
  415: ['UNSUPPORTED_MEDIA_TYPE', 'Send the request as application/json (or a GET with the query in the URL).'],
};

export function useCodedRefusals(): Plugin {
  return {
    onResponse(payload) {
      const { response, fetchAPI } = payload;
      if (response.status < 400 || response.body !== null) return;
      const [code, message] = REFUSALS[response.status] ?? ['BAD_REQUEST', 'The request was refused.'];
      const headers = new fetchAPI.Headers(response.headers);
      headers.set('content-type', 'application/json; charset=utf-8');
      payload.setResponse(new fetchAPI.Response(refusalBody(code, message), { status: response.status, headers }));
    },
  };
}
