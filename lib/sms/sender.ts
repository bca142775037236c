/**
 * The SMS channel: an `SmsSender` sends one text. Built in:
 *   - `webhookSmsSender({ url })`: POSTs `{ to, text }` as JSON to the app's own endpoint or an
 *     SMS gateway, with a timeout; failures become a `DeliveryError` with a clear reason;
 *   - `consoleSmsSender()`: development only, prints and keeps the messages.
 *
 * NIST SP 800-63B-4 §3.1.3.3 makes SMS a *restricted* authenticator (SIM swap, number porting,
 * SS7 interception): offer it only with a stronger alternative and tell users the risk
 * (OWASP ASVS 5.0 V6.6.1; ASVS Level 3 forbids it).
 */
import { DeliveryError } from '../core/delivery-error.js';
import { assertKnownKeys } from '../core/validate.js';
import { wholeNumber } from '../core/validate.js';

/** One text message. */
export interface SmsMessage {
  /** The verified phone number, E.164 (`+15551234567`) as the app supplied it. */
  readonly to: string;
  /** The rendered `SmsTemplate`; it holds the code, so never log it. */
  readonly text: string;
}

/** Anything that can send one SMS: `webhookSmsSender`, `consoleSmsSender`, or your own. */
export interface SmsSender {
  /** Hand the text to the channel; reject (ideally with a `DeliveryError`) when it fails. */
  send(message: SmsMessage): Promise<void>;
}

/** Options of `webhookSmsSender()`; unknown keys are a TypeError. */
export interface WebhookSmsSenderOptions {
  /** Where to POST. `https://` in production (the body carries a code); `http://` on loopback. */
  readonly url: string;
  /** Abort when the endpoint has not answered within this many ms. @default 5000 */
  readonly timeoutMs?: number;
  /** Extra headers, e.g. `{ authorization: 'Bearer …' }`. Never echoed in errors. */
  readonly headers?: Readonly<Record<string, string>>;
}

const WEBHOOK_KNOWN = new Set(['url', 'timeoutMs', 'headers']);
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** POST `{ to, text }` as JSON; any 2xx is success. Redirects are not followed. */
export function webhookSmsSender(options: WebhookSmsSenderOptions): SmsSender {
  assertKnownKeys('webhookSmsSender', options, WEBHOOK_KNOWN);
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new TypeError('webhookSmsSender: url must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError(`webhookSmsSender: url must be http(s), got ${url.protocol}//`);
  }
  const plain = url.protocol === 'http:' && !LOOPBACK.has(url.hostname);
  if (plain && process.env.NODE_ENV === 'production') {
    throw new TypeError(
      'webhookSmsSender: use an https:// url in production; the request carries a sign-in code',
    );
  }
  const timeoutMs = wholeNumber(
    'webhookSmsSender: timeoutMs',
    options.timeoutMs ?? 5000,
    10,
    60_000,
  );
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (typeof value !== 'string') {
      throw new TypeError(`webhookSmsSender: header ${name} must be a string`);
    }
    headers[name.toLowerCase()] = value;
  }
  // Errors name the endpoint's origin only: the path or query may hold an API key.
  const where = url.origin;
  const target = url.toString();

  return {
    async send(message) {
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      try {
        const res = await fetch(target, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ to: message.to, text: message.text }),
          redirect: 'error',
          signal: controller.signal,
        });
        // The answer's body is not needed; drop it rather than buffer whatever the peer sends.
        await res.body?.cancel();
        if (!res.ok) {
          const text = `SMS webhook ${where} answered HTTP ${res.status}`;
          throw new DeliveryError('sms', `http_${res.status}`, text);
        }
      } catch (err) {
        if (err instanceof DeliveryError) throw err;
        if (controller.signal.aborted) {
          const text = `SMS webhook ${where} did not answer within ${timeoutMs} ms`;
          throw new DeliveryError('sms', 'timeout', text, { cause: err });
        }
        const code = (err as { cause?: { code?: unknown } }).cause?.code;
        const detail = typeof code === 'string' ? ` (${code})` : '';
        const text = `SMS webhook ${where} could not be reached${detail}`;
        throw new DeliveryError('sms', 'network', text, { cause: err });
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** The development SMS sender, with what tests need to read the codes it "sent". */
export interface ConsoleSmsSender extends SmsSender {
  /** The texts sent, oldest first (the last 50). */
  messages(): readonly SmsMessage[];
  /** The newest text, optionally the newest to one number. */
  last(to?: string): SmsMessage | undefined;
  /** Forget every kept text (between tests). */
  clear(): void;
}

/** Options of `consoleSmsSender()`; unknown keys are a TypeError. */
export interface ConsoleSmsSenderOptions {
  /** Where each text is printed; `false` prints nothing. @default console.log */
  readonly print?: false | ((text: string) => void);
  /** Allow under NODE_ENV=production (it prints codes to the log). @default false */
  readonly allowInProduction?: boolean;
}

const CONSOLE_KNOWN = new Set(['print', 'allowInProduction']);
const CONSOLE_LIMIT = 50;

/** Development only: prints each text and keeps the last ones for tests. */
export function consoleSmsSender(options: ConsoleSmsSenderOptions = {}): ConsoleSmsSender {
  assertKnownKeys('consoleSmsSender', options, CONSOLE_KNOWN);
  if (process.env.NODE_ENV === 'production' && options.allowInProduction !== true) {
    throw new TypeError(
      'consoleSmsSender: refusing to run in production (it prints one-time codes to the ' +
        'console). Use webhookSmsSender({ url }) or your own SmsSender.',
    );
  }
  const print = options.print === undefined ? (text: string) => console.log(text) : options.print;
  let kept: SmsMessage[] = [];
  return {
    async send(message) {
      kept.push(Object.freeze({ ...message }));
      if (kept.length > CONSOLE_LIMIT) kept = kept.slice(-CONSOLE_LIMIT);
      if (print) print(`[passport-stepup dev sms] To: ${message.to}\n${message.text}\n`);
    },
    messages: () => [...kept],
    last: (to) => [...kept].reverse().find((m) => to === undefined || m.to === to),
    clear() {
      kept = [];
    },
  };
}
