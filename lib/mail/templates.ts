/**
 * Message templates: the one-time code (email and SMS) and the security notices. Each part
 * (subject, text, html) can be replaced by the app; what a template receives is listed in its
 * data type, and a notice template never receives a code or a secret.
 *
 * Every value placed in HTML goes through `escapeHtml`: an email address, a user agent or a
 * browser label is attacker-influenced text (OWASP ASVS 5.0 V1.2: output encoding).
 */

/** Why a code was sent. */
export type CodePurpose = 'sign-in' | 'step-up' | 'enroll' | 'password-reset';

/** What a code template (email or SMS) receives. */
export interface CodeMessageData {
  /** The 6-digit code: only code templates receive it. */
  readonly code: string;
  /** Minutes until the code expires, rounded (5 by default). */
  readonly minutes: number;
  /** Why it was sent; say so, so that a user who did not ask knows their password leaked. */
  readonly purpose: CodePurpose;
  /** The factor's `appName`. */
  readonly appName: string;
}

/** An email template; `html` is optional (text-only mail when absent). */
export interface EmailTemplate<D> {
  /** The Subject line; plain text. */
  readonly subject: (data: D) => string;
  /** The plain-text body. */
  readonly text: (data: D) => string;
  /** The HTML body; pass every value of `data` through `escapeHtml`. */
  readonly html?: (data: D) => string;
}

/** Override any part of an email template; the others stay the defaults. */
export type EmailTemplateOverrides<D> = Partial<EmailTemplate<D>>;

/** The text of a code SMS. Keep the code first and add no link: a link in an SMS is phishing bait. */
export type SmsTemplate = (data: CodeMessageData) => string;

export interface RenderedEmail {
  readonly subject: string;
  readonly text: string;
  readonly html?: string;
}

/** Replaces `& < > " '` with numeric entities, for text placed in HTML bodies or attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const PURPOSE_LINES: Record<CodePurpose, string> = {
  'sign-in': 'Someone (hopefully you) is signing in and entered your password.',
  'step-up': 'You are confirming your identity for a sensitive action.',
  enroll: 'You asked to use this address for sign-in codes.',
  'password-reset': 'Someone (hopefully you) is resetting your password with a reset link.',
};

/** The built-in code email: code, lifetime, why it was sent, and "never share it". */
export const DEFAULT_CODE_EMAIL: EmailTemplate<CodeMessageData> = {
  subject: (d) => `${d.code} is your ${d.appName} verification code`,
  text: (d) =>
    [
      `Your ${d.appName} verification code is: ${d.code}`,
      '',
      `It expires in ${d.minutes} minutes and works once. ${PURPOSE_LINES[d.purpose]}`,
      '',
      `Never share this code. ${d.appName} will never ask you for it by phone or chat.`,
      'If you did not ask for it, someone may know your password: change it.',
    ].join('\n'),
  html: (d) =>
    `<p>Your ${escapeHtml(d.appName)} verification code is:</p>` +
    `<p style="font-size:24px;font-weight:bold;letter-spacing:4px">${escapeHtml(d.code)}</p>` +
    `<p>It expires in ${d.minutes} minutes and works once. ` +
    `${escapeHtml(PURPOSE_LINES[d.purpose])}</p>` +
    `<p>Never share this code. If you did not ask for it, someone may know your password: ` +
    'change it.</p>',
};

/** Short, code first (phones show the start in the notification); no link (phishing bait). */
export const DEFAULT_CODE_SMS: SmsTemplate = (d) =>
  `${d.code} is your ${d.appName} code. It expires in ${d.minutes} min. Never share it.`;

export function renderEmail<D>(
  data: D,
  defaults: EmailTemplate<D>,
  overrides: EmailTemplateOverrides<D> = {},
): RenderedEmail {
  const html = overrides.html ?? defaults.html;
  return {
    subject: (overrides.subject ?? defaults.subject)(data),
    text: (overrides.text ?? defaults.text)(data),
    ...(html ? { html: html(data) } : {}),
  };
}

/** What a notice template receives: facts about the event, never a code or a secret. */
export interface NoticeMessageData {
  /** The notice's `NoticeKind` (`factor_enabled`, `lockout`, …). */
  readonly kind: string;
  /** The notifier's `appName`. */
  readonly appName: string;
  /** ISO 8601, UTC. */
  readonly time: string;
  /** Address of the request that caused it, cut to 200 characters. */
  readonly ip?: string;
  /** Its User-Agent, cut to 200 characters; attacker-controlled text, escape it in HTML. */
  readonly userAgent?: string;
  /** Human name of the factor concerned, when there is one ("authenticator app"). */
  readonly factor?: string;
  /** Recovery codes left, for `recovery_code_used`. */
  readonly remaining?: number;
  /** Label of the remembered browser, for `remembered_browser_added`. */
  readonly label?: string;
}

// Maps, not object literals: a kind or factor named `constructor` must not find Object's.
const FACTOR_NAMES = new Map([
  ['totp', 'authenticator app'],
  ['email-otp', 'email codes'],
  ['sms-otp', 'text-message codes'],
  ['recovery-code', 'recovery codes'],
]);

export function factorLabel(name: string): string {
  return FACTOR_NAMES.get(name) ?? name;
}

type NoticeLines = (d: NoticeMessageData) => { subject: string; line: string };

const NOTICE_LINES = new Map<string, NoticeLines>(
  Object.entries({
    factor_enabled: (d) => ({
      subject: `A sign-in method was added to your ${d.appName} account`,
      line: `${capital(d.factor ?? 'A second factor')} can now be used to sign in.`,
    }),
    factor_disabled: (d) => ({
      subject: `A sign-in method was removed from your ${d.appName} account`,
      line: `${capital(d.factor ?? 'A second factor')} can no longer be used to sign in.`,
    }),
    recovery_code_used: (d) => ({
      subject: `A recovery code was used on your ${d.appName} account`,
      line:
        'A recovery code was used to sign in.' +
        (d.remaining !== undefined ? ` ${d.remaining} unused codes are left.` : ''),
    }),
    recovery_codes_regenerated: (d) => ({
      subject: `New recovery codes for your ${d.appName} account`,
      line: 'New recovery codes were created; the old ones no longer work.',
    }),
    remembered_browser_added: (d) => ({
      subject: `A new browser was remembered on your ${d.appName} account`,
      line: `A browser${d.label ? ` (${d.label})` : ''} will skip the second factor for a while.`,
    }),
    admin_reset: (d) => ({
      subject: `The sign-in methods of your ${d.appName} account were reset`,
      line: 'An administrator removed every second factor of your account. Set one up again.',
    }),
    lockout: (d) => ({
      subject: `Too many wrong codes on your ${d.appName} account`,
      line:
        'Someone entered your password correctly, then too many wrong codes. Second-factor ' +
        'sign-in is paused for a while, longer after each round of wrong codes.',
    }),
    mfa_suspended: (d) => ({
      subject: `Second-factor sign-in suspended on your ${d.appName} account`,
      line:
        'Someone entered your password correctly, then wrong codes 100 times. To protect the ' +
        'account, sign-in with a second factor is suspended until an administrator resets it.',
    }),
    password_changed: (d) => ({
      subject: `Your ${d.appName} password was changed`,
      line: 'The password of your account was changed and other sessions were signed out.',
    }),
    password_reset: (d) => ({
      subject: `Your ${d.appName} password was reset`,
      line:
        'The password of your account was reset with a reset link and a second factor; every ' +
        'session was signed out.',
    }),
    token_created: (d) => ({
      subject: `A personal access token was created on your ${d.appName} account`,
      line:
        'A personal access token was created for your account. If this was not you, revoke it ' +
        'on your security page and change your password.',
    }),
  } satisfies Record<string, NoticeLines>),
);

const GENERIC = (d: NoticeMessageData) => ({
  subject: `Security notice for your ${d.appName} account`,
  line: `A security-relevant change happened on your account (${d.kind}).`,
});

function linesOf(d: NoticeMessageData) {
  return (NOTICE_LINES.get(d.kind) ?? GENERIC)(d);
}

function contextLines(d: NoticeMessageData): string[] {
  return [
    `When: ${d.time}`,
    ...(d.ip ? [`IP address: ${d.ip}`] : []),
    ...(d.userAgent ? [`Browser: ${d.userAgent}`] : []),
  ];
}

const WARNING = 'If this was not you, change your password now and review your sign-in methods.';

/** The default notice template; one function for every kind, specialised by `NOTICE_LINES`. */
export const DEFAULT_NOTICE_EMAIL: EmailTemplate<NoticeMessageData> = {
  subject: (d) => linesOf(d).subject,
  text: (d) => [linesOf(d).line, '', ...contextLines(d), '', WARNING].join('\n'),
  html: (d) =>
    `<p>${escapeHtml(linesOf(d).line)}</p>` +
    `<p>${contextLines(d).map(escapeHtml).join('<br>')}</p>` +
    `<p>${escapeHtml(WARNING)}</p>`,
};

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** What the reset-link template receives (`passwordReset.template`). */
export interface ResetLinkMessageData {
  /** The link to the app's reset page, with the token: only this template receives it. */
  readonly url: string;
  /** Minutes until the link expires (30 by default). */
  readonly minutes: number;
  /** The `passwordReset.appName`. */
  readonly appName: string;
}

/**
 * The built-in reset-link email: the link, its lifetime, that it works once, and that a second
 * factor will still be asked (so a user who did not ask knows the link alone opens nothing).
 */
export const DEFAULT_RESET_LINK_EMAIL: EmailTemplate<ResetLinkMessageData> = {
  subject: (d) => `Reset your ${d.appName} password`,
  text: (d) =>
    [
      `Someone (hopefully you) asked to reset the password of your ${d.appName} account.`,
      '',
      `Open this link to choose a new password: ${d.url}`,
      '',
      `It expires in ${d.minutes} minutes and works once. If your account has a second factor, ` +
        'you will be asked for it too.',
      'If you did not ask for this, ignore this message: your password stays as it is.',
    ].join('\n'),
  html: (d) =>
    `<p>Someone (hopefully you) asked to reset the password of your ${escapeHtml(d.appName)} ` +
    'account.</p>' +
    `<p><a href="${escapeHtml(d.url)}">Choose a new password</a></p>` +
    `<p>It expires in ${d.minutes} minutes and works once. If your account has a second factor, ` +
    'you will be asked for it too.</p>' +
    '<p>If you did not ask for this, ignore this message: your password stays as it is.</p>',
};
