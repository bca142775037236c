/**
 * The two WebAuthn ceremonies on @simplewebauthn/server, with this library's rules on top:
 * - every verification names the expected origins, RP ID and challenge (W3C WebAuthn L3 §7.1
 *   steps 9-14 and §7.2 steps 12-15): an assertion made on a phishing origin, for another RP ID,
 *   or for a challenge this session was not given fails;
 * - the sign counter is judged here, not by the library: it is only looked at after the
 *   signature verified (so nobody can forge a "counter regressed" alarm), and a counter that did
 *   not grow is refused with an event (§6.1.1 "signal that the authenticator may be cloned");
 *   counters of 0 stay allowed, as synced passkeys always send 0;
 * - any exception of the parser or the verifier is a refusal, never a 500.
 */
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import type { PasskeyCredential, PasskeyData } from '../stores/credentials/rows.js';
import type { ResolvedPasskeysOptions } from './options.js';
import type { AuthenticationResponse, RegistrationResponse } from './schemas.js';

/**
 * ES256 and RS256: what every authenticator offers and every supported Node verifies (COSE ids,
 * RFC 9053). Named here, not left to @simplewebauthn/server 14's default list (EdDSA, ES256,
 * RS256, and ML-DSA-44 wherever the runtime's WebCrypto has it: Node >= 24.7 only).
 */
const ALGORITHMS = [-7, -257];

function descriptor(row: PasskeyCredential) {
  return {
    id: row.data.credentialId,
    transports: [...row.data.transports],
  };
}

export async function registrationOptions(
  options: ResolvedPasskeysOptions,
  input: {
    readonly challenge: string;
    readonly userHandle: string;
    readonly userName: string;
    readonly existing: readonly PasskeyCredential[];
  },
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: options.rpName,
    rpID: options.rpId,
    userID: Buffer.from(input.userHandle, 'base64url'),
    userName: input.userName,
    challenge: Buffer.from(input.challenge, 'base64url'),
    timeout: options.challengeTtlMs,
    attestationType: 'none',
    // The user's passkeys: an authenticator that already holds one says so instead of making
    // a second credential for the same account (WebAuthn L3 §5.4 excludeCredentials).
    excludeCredentials: input.existing.map(descriptor),
    // Discoverable when the authenticator can (passwordless), UV when it can: "preferred"
    // keeps security keys without a PIN usable as a second factor.
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    supportedAlgorithmIDs: ALGORITHMS,
  });
}

/** The new credential's row data, or undefined when the response does not verify. */
export async function verifyRegistration(
  options: ResolvedPasskeysOptions,
  response: RegistrationResponse,
  expected: { readonly challenge: string; readonly userHandle: string },
): Promise<{ data: PasskeyData; counter: number } | undefined> {
  let result;
  try {
    result = await verifyRegistrationResponse({
      response: response as Parameters<typeof verifyRegistrationResponse>[0]['response'],
      expectedChallenge: expected.challenge,
      expectedOrigin: [...options.origins],
      expectedRPID: options.rpId,
      requireUserVerification: false,
      supportedAlgorithmIDs: ALGORITHMS,
    });
  } catch {
    return undefined;
  }
  if (!result.verified) return undefined;
  const info = result.registrationInfo;
  // The id the client names must be the one the authenticator attested.
  if (info.credential.id !== response.id) return undefined;
  const transports = (response.response.transports ?? info.credential.transports ?? [])
    .filter((t) => /^[a-z-]{1,32}$/.test(t))
    .slice(0, 10);
  return {
    data: {
      credentialId: info.credential.id,
      publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
      transports,
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      aaguid: info.aaguid.toLowerCase(),
      userHandle: expected.userHandle,
    },
    counter: info.credential.counter,
  };
}

export async function authenticationOptions(
  options: ResolvedPasskeysOptions,
  input: {
    readonly challenge: string;
    /** The user's passkeys; empty for passwordless (discoverable credentials). */
    readonly allow: readonly PasskeyCredential[];
    readonly userVerification: 'required' | 'preferred';
  },
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: options.rpId,
    challenge: Buffer.from(input.challenge, 'base64url'),
    timeout: options.challengeTtlMs,
    allowCredentials: input.allow.map(descriptor),
    userVerification: input.userVerification,
  });
}

export type AssertionOutcome =
  | {
      readonly ok: true;
      readonly counter: number;
      readonly userVerified: boolean;
      readonly backedUp: boolean;
    }
  | {
      readonly ok: false;
      readonly reason: 'invalid' | 'counter_regressed';
      readonly counter?: number;
    };

/** Verify an assertion of `row` (signature, origin, RP ID, challenge, flags) and judge its counter. */
export async function verifyAssertion(
  options: ResolvedPasskeysOptions,
  response: AuthenticationResponse,
  row: PasskeyCredential,
  expected: { readonly challenge: string; readonly requireUserVerification: boolean },
): Promise<AssertionOutcome> {
  let result;
  try {
    result = await verifyAuthenticationResponse({
      response: response as Parameters<typeof verifyAuthenticationResponse>[0]['response'],
      expectedChallenge: expected.challenge,
      expectedOrigin: [...options.origins],
      expectedRPID: options.rpId,
      // Counter 0 here: the library's own counter check would run before we know the
      // signature is good; ours runs after (see above).
      credential: {
        id: row.data.credentialId,
        publicKey: Buffer.from(row.data.publicKey, 'base64url'),
        counter: 0,
      },
      requireUserVerification: expected.requireUserVerification,
    });
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  if (!result.verified) return { ok: false, reason: 'invalid' };
  const info = result.authenticationInfo;
  const counter = info.newCounter;
  if (!(counter > row.counter || (counter === 0 && row.counter <= 0))) {
    return { ok: false, reason: 'counter_regressed', counter };
  }
  return {
    ok: true,
    counter,
    userVerified: info.userVerified,
    backedUp: info.credentialBackedUp,
  };
}
