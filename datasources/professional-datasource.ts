import { z } from 'zod';
import { HttpDataSource } from './http-datasource.js';
import { path } from './url.js';

const profileSchema = z.object({
  userId: z.string(),
  company: z.string(),
  title: z.string(),
  skills: z.array(z.string()),
  yearsOfExperience: z.int32(),
});

/** A professional profile; also the `ProfessionalInfo` of the graph. */
export type Profile = z.infer<typeof profileSchema>;

/** Professional profiles. No batch endpoint: one call per user, bounded by the pool. */
export class ProfessionalDataSource extends HttpDataSource {
  protected readonly forwardsAuthorization = false;

  private readonly profiles = this.singleLoader('profiles', (userId: string) =>
    this.getJson(path`/profiles/${userId}`, profileSchema, { route: '/profiles/{userId}', notFound: 'null' }),
  );

  /** The user's profile, or `null` when they have none (a 404 is normal here). */
  profile(userId: string): Promise<Profile | null> {
    return this.profiles.load(userId);
  }
}
