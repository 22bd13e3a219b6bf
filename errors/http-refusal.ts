/**
 * A refusal answered outside GraphQL execution (Node's HTTP parser, the process's own routes,
 * the operators' endpoints), in the shape GraphQL over HTTP gives a request error:
 * `{"errors": [{"message", "extensions": {"code"}}]}` as `application/json`, so that a client
 * reads every refusal of this server the same way.
 */
import type { HttpRefusalCode } from './codes.js';

/** The part of Node's `ServerResponse` a refusal needs (this layer imports only graphql). */
interface Response {
  readonly headersSent: boolean;
  writeHead(status: number, headers: Record<string, string | number>): { end(body: string): unknown };
  end(): unknown;
}

export function refusalBody(code: HttpRefusalCode, message: string): string {
  return JSON.stringify({ errors: [{ message, extensions: { code } }] });
}

/** Answers `res` with the refusal (and `headers`), unless an answer was already started. */
export function refuse(res: Response, status: number, code: HttpRefusalCode, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.end();
  const body = refusalBody(code, message);
  res
    .writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) })
    .end(body);
}
