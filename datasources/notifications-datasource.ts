import type { SendEmailData } from '../generated/upstreams/notifications/types.gen.js';
import { zSendEmailResponse } from '../generated/upstreams/notifications/zod.gen.js';
import { HttpDataSource } from './http-datasource.js';

/** An email as the notifications service takes it (contracts/notifications.openapi.yaml). */
export type Email = SendEmailData['body'];

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
      answer: zSendEmailResponse,
    });
    if (response.status < 200 || response.status > 299) throw this.statusError(response);
    return this.parse(response, zSendEmailResponse).messageId;
  }
}
