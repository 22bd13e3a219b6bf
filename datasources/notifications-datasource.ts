import { z } from 'zod';
import { HttpDataSource } from './http-datasource.js';

const acceptedSchema = z.object({ messageId: z.string() });

export interface Email {
  to: string;
  template: string;
  data: Record<string, unknown>;
}

/** The email service. */
export class NotificationsDataSource extends HttpDataSource {
  protected readonly forwardsAuthorization = false;

  /**
   * Hands an email to the service; the `Idempotency-Key` makes sending it again harmless
   * (the service replays its first answer and sends nothing more). Resolves with the message id.
   */
  async send(email: Email, idempotencyKey: string): Promise<string> {
    const response = await this.call({
      method: 'POST',
      path: '/emails',
      route: '/emails',
      body: email,
      idempotencyKey,
      answer: acceptedSchema,
    });
    if (response.status < 200 || response.status > 299) throw this.statusError(response);
    return this.parse(response, acceptedSchema).messageId;
  }
}
