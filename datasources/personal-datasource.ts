import { z } from 'zod';
import { HttpDataSource } from './http-datasource.js';

// A field the contract allows to be null may also be left out: read as null either way.
const optional = z
  .string()
  .nullish()
  .transform((value) => value ?? null);

const personalUserSchema = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string(),
  birthDate: optional,
  avatarUrl: optional,
  city: optional,
});

/** A user as the personal service holds it; also the `PersonalInfo` of the graph. */
export type PersonalUser = z.output<typeof personalUserSchema>;

/**
 * What a `User` of the graph is made of: the personal record, since the personal service
 * decides whether a user exists. Other services are asked by the user's fields.
 */
export type UserRef = PersonalUser;

/** The owner of users. Its answer decides whether a user exists. */
export class PersonalDataSource extends HttpDataSource {
  protected readonly forwardsAuthorization = true;

  private readonly users = this.entityLoader('/users', 'users', personalUserSchema);

  /** The user, or `null` when the personal service does not know the id. */
  user(id: string): Promise<PersonalUser | null> {
    return this.users.load(id);
  }
}
