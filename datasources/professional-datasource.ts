import type { Profile as ProfileRecord } from '../generated/upstreams/professional/types.gen.js';
import { zProfile } from '../generated/upstreams/professional/zod.gen.js';
import { HttpDataSource } from './http-datasource.js';
import { path } from './url.js';

/** A professional profile (contracts/professional.openapi.yaml); also the `ProfessionalInfo` of the graph. */
export type Profile = ProfileRecord;

/** Professional profiles. No batch endpoint: one call per user, bounded by the pool. */
export class ProfessionalDataSource extends HttpDataSource {
  protected readonly forwardsAuthorization = false;

  private readonly profiles = this.singleLoader('profiles', (userId: string) =>
    this.getJson(path`/profiles/${userId}`, zProfile, { route: '/profiles/{userId}', notFound: 'null' }),
  );

  /** The user's profile, or `null` when they have none (a 404 is normal here). */
  profile(userId: string): Promise<Profile | null> {
    return this.profiles.load(userId);
  }
}
