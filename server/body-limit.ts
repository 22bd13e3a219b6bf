/**
 * The request body limit (`MAX_BODY_BYTES`), applied before a byte of the body is read:
 * a larger declared body is refused with 413, and a body of unknown length (chunked) with
 * 411, since counting it would mean reading it. Every GraphQL client sends a length.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Answers and returns true when the request's body may not be read. */
export function refuseBody(req: IncomingMessage, res: ServerResponse, maxBytes: number): boolean {
  const declared = req.headers['content-length'];
  if (declared !== undefined) {
    if (Number(declared) <= maxBytes) return false;
    return refuse(res, 413, 'REQUEST_TOO_LARGE', `The request body is larger than ${maxBytes} bytes.`);
  }
  if (req.headers['transfer-encoding'] === undefined) return false;
  return refuse(res, 411, 'LENGTH_REQUIRED', 'Send the request body with a Content-Length header.');
}

function refuse(res: ServerResponse, status: number, code: string, message: string): true {
  // The body stays unread: the connection cannot carry another request.
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
  res.end(JSON.stringify({ errors: [{ message, extensions: { code } }] }));
  return true;
}
