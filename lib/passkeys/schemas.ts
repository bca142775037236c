/**
 * The two WebAuthn response bodies as zod schemas (the JSON that @simplewebauthn/browser's
 * `startRegistration` / `startAuthentication` produce, W3C WebAuthn L3 §5.1 `toJSON()`).
 * Everything is bounded before a byte is decoded: a malformed or oversized `response` is a 400
 * `invalid_request` (docs/architecture.md, invariant 8), never an exception deep inside a CBOR
 * or ASN.1 parser.
 */
import { z } from 'zod';
import { StepupError } from '../core/errors.js';
import { isWellFormedText } from '../core/unicode.js';
import { labelField } from '../http/edge.js';

const b64url = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/, 'base64url');

/** ≤ 1023 bytes (WebAuthn L3 §5.1): 1364 base64url characters. */
const credentialId = b64url(1364);
const attachment = z.enum(['platform', 'cross-platform']).optional();
// Well-formed text only (lib/core/unicode.ts): also for apps that call the strategy without
// the router's parseBody.
const name = (max: number) =>
  z.string().max(max).refine(isWellFormedText, 'not well-formed Unicode');
const extensions = z.record(name(64), z.unknown()).optional();

export const registrationResponse = z.object({
  id: credentialId,
  rawId: credentialId,
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: b64url(4096),
    attestationObject: b64url(12_000),
    transports: z.array(name(32)).max(10).optional(),
  }),
  authenticatorAttachment: attachment,
  clientExtensionResults: extensions,
});

export const authenticationResponse = z.object({
  id: credentialId,
  rawId: credentialId,
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: b64url(4096),
    authenticatorData: b64url(4096),
    signature: b64url(1024),
    userHandle: b64url(128).nullish(),
  }),
  authenticatorAttachment: attachment,
  clientExtensionResults: extensions,
});

export type RegistrationResponse = z.infer<typeof registrationResponse>;
export type AuthenticationResponse = z.infer<typeof authenticationResponse>;

/** `POST /mfa/passkeys/register/verify {response, label?}`. */
export const registerBody = z.object({
  response: registrationResponse,
  label: labelField.optional(),
});

/** `POST /passkey/login {response}`. */
export const loginBody = z.object({ response: authenticationResponse });

/** The `response` field, or a 400 that names it (never a 500 from a parser further in). */
export function parseAssertion(value: unknown): AuthenticationResponse | StepupError {
  const parsed = authenticationResponse.safeParse(value);
  if (parsed.success) return parsed.data;
  return new StepupError(
    'INVALID_REQUEST',
    { field: 'response' },
    'The response must be the JSON of a WebAuthn assertion (PublicKeyCredential.toJSON()).',
  );
}
