/**
 * An app like `makeApp()` (test/helpers/app.ts) with the `email-otp` and `sms-otp` factors on
 * a fake clock, a dev outbox and a console SMS sender that keep what they "sent", and the
 * security notices the app's notifier received. The two test factors stay registered (nobody
 * enrolled by default): `test-code` plays the "stronger factor" (it is not email or SMS).
 */
import type { FactorFactory, MfaStore, StepupOptions } from '../../lib/index.js';
import { devOutbox, type Mailer } from '../../lib/mail/mailer.js';
import { consoleSmsSender, type SmsSender } from '../../lib/sms/sender.js';
import { emailOtp, smsOtp } from '../../strategies/one-time-code.js';
import type { EmailOtpOptions, SmsOtpOptions } from '../../lib/one-time-code/options.js';
import { client, makeApp, OtherCodeFactor, TestCodeFactor, type MakeAppOptions } from './app.js';
import { fakeClock } from './clock.js';

export type Notice = Parameters<NonNullable<StepupOptions['notify']>>[0];

/** A fixed 32-byte code key, shared by instances that share a store. */
export const CODE_KEY = Buffer.from('otp-test-code-key-0123456789abcd');

/** Addresses the app has already verified (no enrolment needed): alice only. */
export const DECLARED: Readonly<Record<string, string>> = { 'u-alice': 'alice@example.test' };
export const PHONES: Readonly<Record<string, string>> = { 'u-alice': '+15550001111' };

export interface OtpAppOptions extends Omit<MakeAppOptions, 'extraFactors' | 'onlyFactors'> {
  readonly store?: MfaStore;
  readonly mailer?: Mailer;
  readonly sender?: SmsSender;
  readonly email?: Partial<EmailOtpOptions> | false;
  readonly sms?: Partial<SmsOtpOptions> | false;
  readonly declared?: Readonly<Record<string, string>>;
  readonly now?: () => number;
}

export function makeOtpApp(options: OtpAppOptions = {}) {
  const clock = fakeClock();
  const now = options.now ?? clock.now;
  const outbox = devOutbox({ print: false });
  const texts = consoleSmsSender({ print: false });
  const notices: Notice[] = [];
  const declared = options.declared ?? DECLARED;
  const enrolled = new Set(options.enrolled ?? []);
  const factories: FactorFactory[] = [
    (ctx) => new TestCodeFactor(ctx, enrolled),
    (ctx) => new OtherCodeFactor(ctx, enrolled),
  ];
  if (options.email !== false) {
    factories.push(
      emailOtp({
        mailer: options.mailer ?? outbox,
        codeKey: CODE_KEY,
        appName: 'Acme',
        getAddress: (id) => declared[id],
        ...options.email,
      }),
    );
  }
  if (options.sms !== false) {
    factories.push(
      smsOtp({
        sender: options.sender ?? texts,
        codeKey: CODE_KEY,
        appName: 'Acme',
        getPhone: (id) => PHONES[id],
        ...options.sms,
      }),
    );
  }
  const built = makeApp({
    ...options,
    stepup: {
      now,
      ...(options.store ? { store: options.store } : {}),
      notify: (n) => {
        notices.push(n);
      },
      ...options.stepup,
    },
    onlyFactors: factories,
  });
  return { ...built, enrolled, clock, outbox, texts, notices };
}

/** The 6-digit code in a message text. */
export function codeIn(text: string | undefined): string {
  const match = /\b(\d{6})\b/.exec(text ?? '');
  if (!match?.[1]) throw new Error(`no code in message: ${String(text)}`);
  return match[1];
}

/** A client with alice's pending login and an email code sent; returns the client and code. */
export async function pendingWithEmailCode(built: ReturnType<typeof makeOtpApp>) {
  const c = await client(built.app);
  const login = await c.login('alice', 'alice-password-1');
  if (login.body.status !== 'mfa_required') throw new Error(`login: ${JSON.stringify(login.body)}`);
  const sent = await c.post('/auth/mfa/email/send');
  if (sent.status !== 202) throw new Error(`send: ${sent.status} ${JSON.stringify(sent.body)}`);
  return { c, code: codeIn(built.outbox.last('alice@example.test')?.text), sent };
}
