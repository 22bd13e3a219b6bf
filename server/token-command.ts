/**
 * `npm run token -- <userId> [--admin] [--ttl <seconds>]`: prints a bearer token signed
 * with `AUTH_JWT_SECRET` (and the configured issuer, audience and roles claim), for trying
 * the graph with authentication on, in GraphiQL or with curl. Tokens of a real deployment
 * come from its identity provider.
 */
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { configOrExit, loadConfig } from './config.js';

const { auth } = configOrExit(loadConfig);
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { admin: { type: 'boolean', default: false }, ttl: { type: 'string', default: '3600' } },
});
const userId = positionals[0];
const ttl = Number(values.ttl);
if (userId === undefined || userId === '' || !Number.isInteger(ttl) || ttl <= 0) {
  process.stderr.write('usage: npm run token -- <userId> [--admin] [--ttl <seconds>]\n');
  process.exit(2);
}
if (auth.jwtSecret === undefined) {
  process.stderr.write('Set AUTH_JWT_SECRET (at least 32 characters), the same as the server has, to sign a token.\n');
  process.exit(2);
}
let jwt = new SignJWT(values.admin ? { [auth.rolesClaim]: [auth.adminRole] } : {})
  .setProtectedHeader({ alg: 'HS256' })
  .setSubject(userId)
  .setIssuedAt()
  .setExpirationTime(`${ttl}s`);
if (auth.issuer !== undefined) jwt = jwt.setIssuer(auth.issuer);
if (auth.audience !== undefined) jwt = jwt.setAudience(auth.audience);
process.stdout.write(`${await jwt.sign(new TextEncoder().encode(auth.jwtSecret))}\n`);
