/**
 * Mail for the demo, with the library's mailers: email codes and security notices. Without
 * SMTP_URL every message lands in the development outbox (kept in memory, printed to the
 * console), which `/dev/outbox` shows, so a newcomer can read codes without a mail server.
 */
import {
  devOutbox,
  smtpMailer,
  type DevOutbox,
  type Mailer,
  type OutboxMessage,
} from '../lib/index.js';

export interface Mail {
  readonly mailer: Mailer;
  /** The development outbox, newest first; undefined when mail goes to SMTP. */
  outbox(): readonly OutboxMessage[] | undefined;
  close(): Promise<void>;
}

export const FROM = 'passport-stepup demo <no-reply@example.test>';

export function createMail(options: {
  smtpUrl: string | undefined;
  production: boolean;
  print: boolean;
}): Mail {
  if (options.smtpUrl) {
    const mailer = smtpMailer(options.smtpUrl, { from: FROM });
    return { mailer, outbox: () => undefined, close: async () => mailer.close?.() };
  }
  if (options.production) {
    // The outbox prints sign-in codes to the log and shows them on a page: never in production.
    throw new TypeError(
      'SMTP_URL is required with NODE_ENV=production (e.g. smtps://user:pass@smtp.example.com:465).',
    );
  }
  const outbox: DevOutbox = devOutbox({
    limit: 100,
    print: options.print ? (text) => console.log(text) : false,
  });
  return {
    mailer: outbox,
    outbox: () => [...outbox.messages()].reverse(),
    close: async () => undefined,
  };
}
