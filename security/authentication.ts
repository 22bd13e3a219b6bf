/**
 * Authentication: who the caller is, from a bearer JWT verified with jose.
 *
 * Off unless a key is configured (`AUTH_JWT_SECRET` or `AUTH_JWKS_URL`): the embedded demo
 * then trusts every caller. On, every GraphQL request needs a valid token, checked after
 * the request is parsed and before its document is: a missing, expired, forged or
 * foreign token costs one signature check and ends in `UNAUTHENTICATED` with HTTP 401.
 * What a known caller may see is decided in one place, authorization.ts.
 */
import { createRemoteJWKSet, errors as jose, jwtVerify, type JWTPayload, type JWTVerifyOptions, type JWTVerifyResult } from 'jose';
import type { IncomingMessage } from 'node:http';
import { GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { authUnavailable, unauthenticated } from '../errors/graph-errors.js';

/**
 * Bearer JWTs. Authentication is on when a key is set: `AUTH_JWT_SECRET`
 * (HS256/384/512) or `AUTH_JWKS_URL` (the issuer's public keys), never both.
 */
export interface AuthSettings {
  /** @default unset (`AUTH_JWT_SECRET`, at least 32 characters) */
  readonly jwtSecret: string | undefined;
  /** @default unset (`AUTH_JWKS_URL`, e.g. `https://login.example.com/.well-known/jwks.json`) */
  readonly jwksUrl: string | undefined;
  /** Required `iss` claim. @default unset: not checked (`AUTH_ISSUER`) */
  readonly issuer: string | undefined;
  /** Required `aud` claim. @default unset: not checked (`AUTH_AUDIENCE`) */
  readonly audience: string | undefined;
  /** Leeway for `exp` and `nbf` against clocks that drift. @default 30 (`AUTH_CLOCK_SKEW_S`) */
  readonly clockSkewS: number;
  /** Claim holding the caller's roles (an array, or one space-separated string). @default "roles" (`AUTH_ROLES_CLAIM`) */
  readonly rolesClaim: string;
  /** Role that may see and act for every user. @default "admin" (`AUTH_ADMIN_ROLE`) */
  readonly adminRole: string;
}

/** The verified caller of a request. */
export interface Viewer {
  /** The token's `sub`: the caller's user id, as the personal service knows it. */
  readonly userId: string;
  /** Whether the token carries the admin role: may see and act for every user. */
  readonly admin: boolean;
}

const HMAC_ALGORITHMS = ['HS256', 'HS384', 'HS512'];
// A JWKS holds public keys: HMAC is never accepted from it (no algorithm confusion).
const PUBLIC_KEY_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

export class TokenVerifier {
  private readonly verifyJwt: (token: string, options: JWTVerifyOptions) => Promise<JWTVerifyResult>;

  constructor(private readonly settings: AuthSettings) {
    if (settings.jwtSecret !== undefined) {
      const secret = new TextEncoder().encode(settings.jwtSecret);
      this.verifyJwt = (token, options) => jwtVerify(token, secret, { ...options, algorithms: HMAC_ALGORITHMS });
    } else if (settings.jwksUrl !== undefined) {
      // Keys are cached and fetched again (at most every 30 s) when a token names an unknown `kid`.
      const keys = createRemoteJWKSet(new URL(settings.jwksUrl), { timeoutDuration: 3000 });
      this.verifyJwt = (token, options) => jwtVerify(token, keys, { ...options, algorithms: PUBLIC_KEY_ALGORITHMS });
    } else {
      throw new Error('TokenVerifier needs AUTH_JWT_SECRET or AUTH_JWKS_URL');
    }
  }

  /** The viewer of a request with this `authorization` header; throws `UNAUTHENTICATED` (401) or `AUTH_UNAVAILABLE` (503). */
  async verify(authorization: string | null): Promise<Viewer> {
    const token = /^Bearer +([A-Za-z0-9\-_.~+/]+=*) *$/i.exec(authorization ?? '')?.[1];
    if (token === undefined) {
      throw unauthenticated(
        authorization === null
          ? 'Authentication required: send `Authorization: Bearer <token>`.'
          : 'The Authorization header is not a bearer token: send `Authorization: Bearer <token>`.',
      );
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await this.verifyJwt(token, {
        clockTolerance: this.settings.clockSkewS,
        requiredClaims: ['sub', 'exp'],
        ...(this.settings.issuer === undefined ? {} : { issuer: this.settings.issuer }),
        ...(this.settings.audience === undefined ? {} : { audience: this.settings.audience }),
      }));
    } catch (error) {
      throw verificationError(error);
    }
    // An empty subject would be a user id nobody has, and everybody's at once.
    if (typeof payload.sub !== 'string' || payload.sub === '') throw unauthenticated('The token\'s "sub" claim is missing.');
    return { userId: payload.sub, admin: rolesOf(payload[this.settings.rolesClaim]).includes(this.settings.adminRole) };
  }
}

function rolesOf(claim: unknown): string[] {
  if (typeof claim === 'string') return claim.split(' ').filter((role) => role !== '');
  return Array.isArray(claim) ? claim.filter((role): role is string => typeof role === 'string') : [];
}

/** Says why a token was refused in the client's terms; never the key or the token itself. */
function verificationError(error: unknown): GraphQLError {
  if (error instanceof jose.JWTExpired) return unauthenticated('The token has expired.');
  if (error instanceof jose.JWTClaimValidationFailed) {
    const problem =
      error.reason === 'missing' ? 'is missing' : error.reason === 'check_failed' ? 'is not the one this server expects' : 'is not valid';
    return unauthenticated(`The token's "${error.claim}" claim ${problem}.`);
  }
  if (error instanceof jose.JWSSignatureVerificationFailed) return unauthenticated('The token signature is not valid.');
  if (error instanceof jose.JOSEAlgNotAllowed) return unauthenticated('The token is signed with an algorithm this server does not accept.');
  if (error instanceof jose.JWKSNoMatchingKey) return unauthenticated('The token is signed with a key this server does not know.');
  if (error instanceof jose.JWSInvalid || error instanceof jose.JWTInvalid || error instanceof jose.JOSENotSupported) {
    return unauthenticated('The token is malformed.');
  }
  // The key set could not be fetched (time-out, refused, not JSON): not the client's fault.
  return authUnavailable(error);
}

const viewers = new WeakMap<Request, Viewer>();

/** The verified caller of the request; `undefined` when authentication is off. */
export function viewerOf(request: Request): Viewer | undefined {
  return viewers.get(request);
}

/**
 * Verifies the token of every GraphQL request before its document is parsed; GraphiQL's
 * page itself needs none. Off (every caller anonymous and trusted) without a verifier.
 */
export function useAuthentication(
  verifier: TokenVerifier | undefined,
  /** Counts a refused request against its client (the rate limit): the error to answer instead, if any. */
  chargeRefusal: (req: IncomingMessage) => Promise<Error | undefined> = () => Promise.resolve(undefined),
): Plugin<Record<string, unknown>, { req: IncomingMessage }> {
  if (verifier === undefined) return {};
  return {
    // A refusal is thrown, not set as the result: it ends the request's parameter hooks here,
    // so that nothing after (the rate limit's own count, automatic persisted queries,
    // persisted operations) acts for a caller it refused, or tells them anything.
    async onParams({ request, context }) {
      let viewer: Viewer;
      try {
        viewer = await verifier.verify(request.headers.get('authorization'));
      } catch (error) {
        throw (await chargeRefusal(context.req)) ?? error;
      }
      viewers.set(request, viewer);
    },
  };
}
