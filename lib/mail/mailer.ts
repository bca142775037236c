/**
 * The email channel: a `Mailer` is anything that can send one message. Two are built in:
 *   - `smtpMailer(url)`: nodemailer over SMTP, for production;
 *   - `devOutbox()`: keeps the last messages in memory and prints them to the console, so a
 *     developer can sign in without a mail server (and tests can read the code).
 * Apps with a mail API (SES, Postmark…) implement `Mailer` in a few lines.
 */
import { createTransport } from 'nodemailer';
import { DeliveryError } from '../core/delivery-error.js';
import { assertKnownKeys } from '../core/validate.js';
import { wholeNumber } from '../core/validate.js';

/** One email, rendered: the library never sends attachments or extra headers. */
export interface MailMessage {
  /** One recipient address. */
  readonly to: string;
  /** The Subject header. */
  readonly subject: string;
  /** The plain-text body; always present, so text-only clients read the code too. */
  readonly text: string;
  /** The HTML body, when the template has one (user values are HTML-escaped). */
  readonly html?: string;
}

/**
 * Anything that can send one email: `smtpMailer`, `devOutbox`, or a few lines around a mail
 * API. Used for codes (`emailOtp`) and security notices (`emailNotifier`).
 */
export interface Mailer {
  /** Hand the message to the channel; reject (ideally with a `DeliveryError`) when it fails. */
  send(message: MailMessage): Promise<void>;
  /** Release connections. */
  close?(): void | Promise<void>;
}

/** Options of `smtpMailer(url, options)`; unknown keys are a TypeError. */
export interface SmtpMailerOptions {
  /** The From header, e.g. `'Acme <security@acme.example>'`. */
  readonly from: string;
  /**
   * Longest wait for each SMTP phase (connect, greeting, every command). The user waits for
   * the answer of `/mfa/email/send`, so this is short on purpose. @default 10000
   */
  readonly timeoutMs?: number;
}

const SMTP_KNOWN = new Set(['from', 'timeoutMs']);

/**
 * Send through an SMTP server given as a URL: `smtp://user:pass@host:587` (STARTTLS when the
 * server offers it) or `smtps://user:pass@host:465` (TLS from the start).
 */
export function smtpMailer(url: string, options: SmtpMailerOptions): Mailer {
  assertKnownKeys('smtpMailer', options, SMTP_KNOWN);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(
      'smtpMailer: url must be an SMTP URL such as smtps://user:pass@smtp.example.com:465',
    );
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') {
    throw new TypeError(
      `smtpMailer: url must start with smtp:// or smtps://, got ${parsed.protocol}//`,
    );
  }
  if (typeof options.from !== 'string' || options.from.trim() === '') {
    throw new TypeError(
      "smtpMailer: from is required, e.g. { from: 'Acme <security@acme.example>' }",
    );
  }
  const timeoutMs = wholeNumber('smtpMailer: timeoutMs', options.timeoutMs ?? 10_000, 100, 120_000);
  const transport = createTransport(
    { url, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs },
    { from: options.from },
  );
  // Error messages name the server, never the credentials in the URL nor the message body.
  const port = parsed.port || (parsed.protocol === 'smtps:' ? '465' : '587');
  const where = `${parsed.hostname}:${port}`;
  return {
    async send(message) {
      try {
        await transport.sendMail({
          to: message.to,
          subject: message.subject,
          text: message.text,
          ...(message.html !== undefined ? { html: message.html } : {}),
        });
      } catch (err) {
        const e = err as { code?: unknown; responseCode?: unknown };
        const code = typeof e.code === 'string' ? e.code : 'error';
        const reason = /TIMEDOUT|ETIMEOUT/.test(code) ? 'timeout' : 'smtp';
        const status = typeof e.responseCode === 'number' ? ` (SMTP ${e.responseCode})` : '';
        const text = `SMTP delivery via ${where} failed: ${code}${status}`;
        throw new DeliveryError('email', reason, text, { cause: err });
      }
    },
    close() {
      transport.close();
    },
  };
}

/** A message kept by `devOutbox`. */
export interface OutboxMessage extends MailMessage {
  /** When it was sent, in ms since the epoch (the real clock, `Date.now`). */
  readonly sentAt: number;
}

/** The development mailer, with what tests need to read the codes it "sent". */
export interface DevOutbox extends Mailer {
  /** The kept messages, oldest first. */
  messages(): readonly OutboxMessage[];
  /** The newest message, optionally the newest to one address. */
  last(to?: string): OutboxMessage | undefined;
  /** Forget every kept message (between tests). */
  clear(): void;
}

/** Options of `devOutbox()`; unknown keys are a TypeError. */
export interface DevOutboxOptions {
  /** Messages kept (older ones are dropped). @default 50 */
  readonly limit?: number;
  /** Where each message is printed; `false` prints nothing. @default console.log */
  readonly print?: false | ((text: string) => void);
  /** Allow under NODE_ENV=production (it prints codes to the log). @default false */
  readonly allowInProduction?: boolean;
}

const OUTBOX_KNOWN = new Set(['limit', 'print', 'allowInProduction']);

/**
 * A development mailer: nothing leaves the process. It prints codes to the console, so it
 * refuses to start in production unless told otherwise: a log full of sign-in codes is a log
 * that signs people in.
 */
export function devOutbox(options: DevOutboxOptions = {}): DevOutbox {
  assertKnownKeys('devOutbox', options, OUTBOX_KNOWN);
  if (process.env.NODE_ENV === 'production' && options.allowInProduction !== true) {
    throw new TypeError(
      'devOutbox: refusing to run in production (it prints one-time codes to the console). ' +
        'Use smtpMailer(url, { from }) or your own Mailer.',
    );
  }
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new TypeError('devOutbox: limit must be a positive integer');
  }
  const print = options.print === undefined ? (text: string) => console.log(text) : options.print;
  let kept: OutboxMessage[] = [];
  return {
    async send(message) {
      kept.push(Object.freeze({ ...message, sentAt: Date.now() }));
      if (kept.length > limit) kept = kept.slice(-limit);
      if (print) {
        const { to, subject, text } = message;
        print(`[passport-stepup dev outbox] To: ${to}\nSubject: ${subject}\n\n${text}\n`);
      }
    },
    messages: () => [...kept],
    last: (to) => [...kept].reverse().find((m) => to === undefined || m.to === to),
    clear() {
      kept = [];
    },
  };
}
