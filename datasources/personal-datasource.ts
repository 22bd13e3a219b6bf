import type { User } from '../generated/upstreams/personal/types.gen.js';
import { zUser } from '../generated/upstreams/personal/zod.gen.js';
import { HttpDataSource } from './http-datasource.js';

/**
 * A user as the personal service holds it (contracts/personal.openapi.yaml); also the
 * `PersonalInfo` of the graph. A nullable field left out reads as null (GraphQL answers it so).
 */
export type PersonalUser = User;

/**
 * What a `User` of the graph is made of: the personal record, since the personal service
 * decides whether a user exists. Other services are asked by the user's fields.
 */
export type UserRef = PersonalUser;

/** The owner of users. Its answer decides whether a user exists. */
export class PersonalDataSource extends HttpDataSource {
  protected readonly forwardsAuthorization = true;

  private readonly users = this.entityLoader('/users', 'users', zUser);

  /** The user, or `null` when the personal service does not know the id. */
  user(id: string): Promise<PersonalUser | null> {
    return this.users.load(id);
  }
}
