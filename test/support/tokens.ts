/**
 * Tokens as an identity provider would issue them: HMAC-signed with a shared secret, or
 * RS256-signed with a key published by a JWKS server started on 127.0.0.1:0.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';

export const SECRET = 'test-secret-of-at-least-thirty-two-characters';
export const ISSUER = 'https://login.example.test/';
export const AUDIENCE = 'rest-graph';

/** The env of a graph that verifies tokens signed with `SECRET`. */
export const HMAC_AUTH = { AUTH_JWT_SECRET: SECRET, AUTH_ISSUER: ISSUER, AUTH_AUDIENCE: AUDIENCE } as const;

export interface TokenOptions {
  /** The `roles` claim: a list, or one space-separated string. */
  readonly roles?: string[] | string;
  /** Seconds from now; negative for a token that has expired. @default 300 */
  readonly expiresIn?: number;
  readonly issuer?: string;
  readonly audience?: string;
  readonly secret?: string;
}

export function hmacToken(sub: string, options: TokenOptions = {}): Promise<string> {
  return sign(new SignJWT(claims(options)).setProtectedHeader({ alg: 'HS256' }), sub, options).sign(
    new TextEncoder().encode(options.secret ?? SECRET),
  );
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}

function claims(options: TokenOptions): JWTPayload {
  return options.roles === undefined ? {} : { roles: options.roles };
}

function sign(jwt: SignJWT, sub: string, options: TokenOptions): SignJWT {
  const now = Math.floor(Date.now() / 1000);
  return jwt
    .setSubject(sub)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresIn ?? 300))
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE);
}

export interface JwksIssuer {
  readonly jwksUrl: string;
  /** How many times the key set was fetched. */
  fetches(): number;
  token(sub: string, options?: TokenOptions): Promise<string>;
  close(): Promise<void>;
}

/** An identity provider publishing one RS256 key at `/.well-known/jwks.json`. */
export async function startJwksIssuer(): Promise<JwksIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'key-1', alg: 'RS256', use: 'sig' };
  let fetches = 0;
  const server = createServer((req, res) => {
    fetches += 1;
    if (req.url !== '/.well-known/jwks.json') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    jwksUrl: `${url}/.well-known/jwks.json`,
    fetches: () => fetches,
    token: (sub, options = {}) =>
      sign(new SignJWT(claims(options)).setProtectedHeader({ alg: 'RS256', kid: 'key-1' }), sub, options).sign(privateKey),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
