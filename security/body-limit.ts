/**
 * The request body's size limit (`MAX_BODY_BYTES`), in place of yoga's `maxRequestBodySize`.
 *
 * Yoga's pipes every body through a counting stream, declared length or not: a stream
 * pipeline per request, a cost the saturation profile showed (bench/JOURNAL.md). A declared length needs no
 * counting: it is refused before the body is read when it is too large, and Node's HTTP
 * parser never reads past it (what follows is the next request on the connection). Only a
 * body without one (chunked) is counted as it comes, as yoga does, and refused as soon as it
 * passes the limit.
 */
import type { Plugin } from 'graphql-yoga';
import { badRequest, bodyTooLarge } from '../errors/graph-errors.js';

/** One non-negative integer; anything else (a list, a sign) is how request smuggling starts. */
const LENGTH = /^\d+$/;

/** Whether a `content-length` header is one length, at most `maxBytes`: a body this limit lets through. */
export function declaredWithin(declared: string, maxBytes: number): boolean {
  return LENGTH.test(declared) && Number(declared) <= maxBytes;
}

export function useBodyLimit(maxBytes: number): Plugin {
  return {
    onRequestParse({ request, requestParser, setRequestParser, fetchAPI }) {
      const declared = request.headers.get('content-length');
      if (declared !== null) {
        if (!LENGTH.test(declared)) throw badRequest('The content-length header is not a length.');
        if (Number(declared) > maxBytes) throw bodyTooLarge(maxBytes);
        return;
      }
      if (requestParser === undefined || request.body === null) return;
      setRequestParser((original) => {
        if (original.body === null) return requestParser(original);
        // A native stream (Node's fetch) must be piped through a native transform (yoga #4583).
        const Transform = original.body instanceof ReadableStream ? TransformStream : fetchAPI.TransformStream;
        let read = 0;
        const counted = original.body.pipeThrough(
          new Transform<Uint8Array, Uint8Array>({
            transform(chunk, controller) {
              read += chunk.byteLength;
              if (read > maxBytes) controller.error(bodyTooLarge(maxBytes));
              else controller.enqueue(chunk);
            },
          }),
        );
        const limited = new fetchAPI.Request(original.url, {
          method: original.method,
          headers: original.headers,
          signal: original.signal,
          body: counted,
          // @ts-expect-error: a streamed request body needs `duplex`, which the DOM types lack.
          duplex: 'half',
        });
        return requestParser(limited);
      });
    },
  };
}
