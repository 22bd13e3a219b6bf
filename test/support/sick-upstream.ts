/**
 * The sick professional service the resilience suites share: the profile query, its healthy
 * answer, a healthy handler and a 503, and settings that make retries quick.
 */
import { PROFILES } from './contract-fakes.js';
import { json, type Handler } from './fake-upstream.js';

export const PROFILE_QUERY = '{ user(id: "u1") { id personal { name } professional { title } } }';
export const HEALTHY_PROFILE = {
  data: { user: { id: 'u1', personal: { name: 'Ada Lovelace' }, professional: { title: 'Programmer' } } },
};
export const profile: Handler = (_, res) => json(res, 200, PROFILES.u1);
export const unavailable: Handler = (_, res) => json(res, 503, { error: { code: 'DOWN', message: 'down' } });

/** Fast retries, and a breaker that stays out of the way unless a test is about it. */
export const QUICK_RETRIES = { UPSTREAM_RETRY_BASE_DELAY_MS: '1', UPSTREAM_CIRCUIT_MIN_CALLS: '1000' };
