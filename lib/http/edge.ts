/**
 * The edge of every route (docs/architecture.md, "Each rule once"): its body is checked once
 * here against a zod schema and trusted after, and its handler's rejection goes to the router's
 * error handler.
 */
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { StepupError } from '../core/errors.js';
import { illFormedPath, isWellFormedText } from '../core/unicode.js';

/**
 * A string of 1 to `max` characters that is well-formed Unicode (no lone UTF-16 surrogate: a
 * store cannot encode it and a hash would see U+FFFD; lib/core/unicode.ts). Every free-text
 * field of a body is one of these.
 */
export const text = (max: number) =>
  z.string().min(1).max(max).refine(isWellFormedText, 'not well-formed Unicode');

/**
 * One zod schema per router body (the bodies of docs/http-api.md). Limits are generous for people and tight for
 * attackers: a username of 256 characters, a password of 1,024 (NIST SP 800-63B-4 §3.1.1.2 asks
 * for at least 64), a code of 128. Unknown keys are dropped, never copied anywhere.
 *
 * The verify's `code` is the strategy's to check (`SecondFactorStrategy.readInput`, which an
 * app's own route reaches through `stepup.authenticate()` too), so `verifyBody` only asks that it
 * is there. The login's username and password are checked here AND by the password strategy on
 * purpose: the router's `firstFactor` may be any Passport strategy (plain passport-local in the
 * tests), which this check alone protects, and the password strategy is also reached from an
 * app's own route, which this check never sees.
 */
export const loginBody = z.object({
  username: text(256),
  password: text(1024),
});

/** `{ code }` of the enrol-confirm and disable endpoints. */
export const codeBody = z.object({ code: text(128) });

const formBoolean = z.union([z.boolean(), z.enum(['true', 'false', 'on', '1', '0'])]);

/**
 * An authenticator's name as the user sees it ("Phone", "1Password"): 1–255 characters after
 * trimming, no control characters (they would corrupt logs and lists).
 */
export const labelField = z
  .string()
  .trim()
  .min(1)
  .max(255)
  // Control characters (U+0000–U+001F, U+007F) would corrupt logs and lists.
  .refine(
    (v) => ![...v].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f),
    'no control characters',
  )
  // A lone surrogate cannot be stored (the SQL store throws): 400, not a 500.
  .refine(isWellFormedText, 'not well-formed Unicode');

/**
 * A label from an app's own form, checked as the router checks it (`labelField`): trimmed, or
 * 400 `invalid_request` naming `label`. Services call it first, before anything is taken.
 */
export function parseLabel(label: string | undefined): string | undefined {
  if (label === undefined) return undefined;
  const parsed = labelField.safeParse(label);
  if (parsed.success) return parsed.data;
  throw new StepupError(
    'INVALID_REQUEST',
    { fields: ['label'] },
    'The label must be 1 to 255 characters of text, without control characters.',
  );
}

/** `POST /mfa/totp/enroll`: `{ add: true }` keeps the user's other authenticators on confirm. */
export const enrollBody = z.object({ add: formBoolean.optional() });

/** `POST /mfa/totp/confirm`: the code of the new authenticator and an optional label. */
export const confirmBody = z.object({
  code: text(128),
  label: labelField.optional(),
});

/**
 * `POST /mfa/verify`: a `code`, or for a passkey the signed `response` (an object the passkey
 * factor validates itself, lib/passkeys/schemas.ts). One of the two must be there.
 */
export const verifyBody = z
  .object({
    factor: text(64),
    // Its type and length are the strategy's to check (`readInput`): here only whether it is there.
    code: z.unknown().optional(),
    response: z.record(z.string(), z.unknown()).optional(),
    rememberBrowser: formBoolean.optional(),
    remember: formBoolean.optional(),
  })
  .refine((b) => b.code !== undefined || b.response !== undefined, {
    path: ['code'],
    message: 'code (or response, for a passkey) is required',
  });

/** `DELETE /mfa/factors/:id`: a current code, or a fresh passkey assertion. */
export const proofBody = z
  .object({
    code: text(128).optional(),
    response: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((b) => b.code !== undefined || b.response !== undefined, {
    path: ['code'],
    message: 'code (or response, for a passkey) is required',
  });

export function isTruthy(value: z.infer<typeof formBoolean> | undefined): boolean {
  return value === true || value === 'true' || value === 'on' || value === '1';
}

/**
 * Parse a body or throw 400 `invalid_request` naming the fields that are wrong. Any string or key
 * of the body that is not well-formed Unicode is refused first, also inside fields a schema
 * keeps as `unknown` (a passkey response's extensions): nothing further in sees one.
 */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const illFormed = illFormedPath(body);
  if (illFormed !== undefined) {
    throw new StepupError(
      'INVALID_REQUEST',
      { fields: [illFormed] },
      `Invalid text in ${illFormed}: not well-formed Unicode.`,
    );
  }
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const fields = [
    ...new Set(result.error.issues.map((i) => i.path.map(String).join('.') || '(body)')),
  ];
  throw new StepupError(
    'INVALID_REQUEST',
    { fields },
    `Invalid or missing fields: ${fields.join(', ')}.`,
  );
}

type Handler = (req: Request, res: Response) => Promise<void>;

/** Run an async handler; any rejection goes to the router's error handler. */
export function route(handler: Handler) {
  return (req: Request, res: Response, next: NextFunction): void => {
    handler(req, res).catch(next);
  };
}

/** Run an Express middleware as a promise (used to chain `stepup.authenticate()`). */
export function runMiddleware(
  mw: (req: Request, res: Response, next: NextFunction) => void,
  req: Request,
  res: Response,
): Promise<void> {
  return new Promise((resolve, reject) => {
    mw(req, res, (err?: unknown) =>
      err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(),
    );
  });
}
