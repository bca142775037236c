/**
 * Security notices by email: `createStepup({ notify: emailNotifier({ mailer, getEmail }) })`.
 *
 * The library calls the notifier when a factor is enabled or disabled, a recovery code is used
 * or regenerated, a browser is remembered, an administrator resets the factors, or the account
 * is locked after too many wrong codes (docs/architecture.md, invariant 11). A user who did not do it learns that
 * someone holds their password or session (OWASP ASVS 5.0 V6.3.5: notify suspicious attempts,
 * such as a password that passed followed by failed second factors; ASVS 4.0.3 V2.2.3: notify
 * after updates to authentication details).
 *
 * What the message may contain is fixed here, field by field: the kind, the time, the IP, the
 * user agent, the factor's name, a count, a browser label. Nothing else of `notice.data` is
 * passed on, so a code or a secret put there by mistake never reaches a mailbox.
 */
import type { Notifier, SecurityNotice } from '../core/context.js';
import { assertKnownKeys } from '../core/validate.js';
import type { Mailer } from './mailer.js';
import {
  DEFAULT_NOTICE_EMAIL,
  factorLabel,
  renderEmail,
  type EmailTemplateOverrides,
  type NoticeMessageData,
} from './templates.js';

/** Options of `emailNotifier()`; unknown keys are a TypeError. */
export interface EmailNotifierOptions {
  /** Sends the notices; may be the same mailer as the codes'. */
  readonly mailer: Mailer;
  /** The user's address for notices; `undefined`/`null` skips the notice. */
  readonly getEmail: (
    userId: string,
  ) => string | undefined | null | Promise<string | undefined | null>;
  /** Product name in subjects and bodies. @default 'passport-stepup' */
  readonly appName?: string;
  /** Per kind, replace any part of the default template (`subject`, `text`, `html`). */
  readonly templates?: Readonly<Record<string, EmailTemplateOverrides<NoticeMessageData>>>;
  /** Switch kinds off: `{ remembered_browser_added: false }`. Every kind is on by default. */
  readonly kinds?: Readonly<Record<string, boolean>>;
  /**
   * Called when a notice could not be sent (`getEmail` or the mailer failed). The error is rethrown
   * after it, so `createStepup` emits `notify.failed`; the security action is never undone.
   */
  readonly onError?: (err: unknown, notice: SecurityNotice) => void;
}

const KNOWN = new Set(['mailer', 'getEmail', 'appName', 'templates', 'kinds', 'onError']);
const MAX_FIELD = 200;

/**
 * A `Notifier` that emails each security notice to the user. The message is built from fixed
 * fields only (kind, time, IP, user agent, factor name, a count, a browser label), so a code or
 * secret put into `notice.data` by mistake never reaches a mailbox. Kinds switched off in
 * `kinds`, and users without an address, are skipped.
 * @throws TypeError at creation on a missing mailer or `getEmail`, or an unknown option.
 */
export function emailNotifier(options: EmailNotifierOptions): Notifier {
  assertKnownKeys('emailNotifier', options, KNOWN);
  if (!options.mailer || typeof options.mailer.send !== 'function') {
    throw new TypeError(
      'emailNotifier: mailer is required (smtpMailer(url, { from }) or devOutbox())',
    );
  }
  if (typeof options.getEmail !== 'function') {
    throw new TypeError(
      'emailNotifier: getEmail(userId) is required; it returns the address to notify',
    );
  }
  for (const [kind, on] of Object.entries(options.kinds ?? {})) {
    if (typeof on !== 'boolean') {
      throw new TypeError(`emailNotifier: kinds.${kind} must be true or false`);
    }
  }
  const kinds = new Map(Object.entries(options.kinds ?? {}));
  const templates = new Map(Object.entries(options.templates ?? {}));
  const appName = options.appName ?? 'passport-stepup';
  const { mailer, getEmail } = options;

  return async (notice) => {
    if (kinds.get(notice.kind) === false) return;
    try {
      const to = await getEmail(notice.userId);
      if (typeof to !== 'string' || to.length === 0) return;
      const data = toData(notice, appName);
      const message = renderEmail(data, DEFAULT_NOTICE_EMAIL, templates.get(notice.kind));
      await mailer.send({ to, ...message });
    } catch (err) {
      options.onError?.(err, notice);
      throw err;
    }
  };
}

/** The whitelist: only these facts reach a template. */
function toData(notice: SecurityNotice, appName: string): NoticeMessageData {
  const { factor, remaining, label } = notice.data as Partial<Record<string, unknown>>;
  return {
    kind: notice.kind,
    appName,
    time: new Date(notice.time).toISOString(),
    ...(notice.ip ? { ip: notice.ip.slice(0, MAX_FIELD) } : {}),
    ...(notice.userAgent ? { userAgent: notice.userAgent.slice(0, MAX_FIELD) } : {}),
    ...(typeof factor === 'string' ? { factor: factorLabel(factor.slice(0, MAX_FIELD)) } : {}),
    ...(typeof remaining === 'number' && Number.isSafeInteger(remaining) ? { remaining } : {}),
    ...(typeof label === 'string' ? { label: label.slice(0, MAX_FIELD) } : {}),
  };
}
