/**
 * A message (email, SMS) could not be handed to its channel: SMTP refused or timed out, the SMS
 * webhook answered 5xx or did not answer in time. The router turns it into
 * `503 delivery_failed`; the code that was not delivered is dropped and no attempt is used up.
 *
 * The message says what failed and where, never what was being sent (it holds a code).
 */
export class DeliveryError extends Error {
  /** Always `'DeliveryError'`. */
  override readonly name = 'DeliveryError';
  /** `email` or `sms`. */
  readonly channel: string;
  /** Short machine reason: `timeout`, `http_500`, `network`, `smtp`… */
  readonly reason: string;

  constructor(channel: string, reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.channel = channel;
    this.reason = reason;
  }
}

/** `instanceof DeliveryError`, as a type guard for `catch (err: unknown)`. */
export function isDeliveryError(err: unknown): err is DeliveryError {
  return err instanceof DeliveryError;
}
