/**
 * The rows a `CredentialStore` keeps: one type per kind of enrolled authenticator (TOTP app,
 * recovery-code set, verified email address, passkey), with what all of them share. Switch on
 * `type`. Secrets are never stored in the clear: a TOTP secret is ciphertext, a recovery code a
 * digest. Times are milliseconds since the epoch.
 */
/** The kinds of enrolled authenticator a `CredentialStore` keeps (the `type` of each row). */
export type CredentialType = 'totp' | 'recovery-codes' | 'email' | 'passkey';

export const CREDENTIAL_TYPES: readonly CredentialType[] = [
  'totp',
  'recovery-codes',
  'email',
  'passkey',
];

/** What every stored credential has. */
interface CredentialBase {
  /**
   * Random and unguessable (22 base64url characters) unless the creator passed one, derived
   * from the user id for the recovery-code set; the `:id` of the factors API. Meaningful only
   * with its `userId`.
   */
  readonly id: string;
  /** The owner; every lookup is scoped to it. */
  readonly userId: string;
  /** A name the user gave it ("Work phone"), shown in the factors list; null when none. */
  readonly label: string | null;
  /** When it was enrolled, in ms since the epoch. */
  readonly createdAt: number;
  /** When it last passed a check, in ms since the epoch; null when never. */
  readonly lastUsedAt: number | null;
}

/** The TOTP secret as the caller encrypted it: this store never sees the plaintext. */
export interface TotpData {
  /**
   * The Base32 secret encrypted with AES-256-GCM, bound to its user (`createCipher` format):
   * a dump of the database without the keys yields no secret.
   */
  readonly ciphertext: string;
  /** Which key encrypted `ciphertext`, so that keys can be rotated. */
  readonly keyId: string;
  /** RFC 6238 HMAC hash the authenticator app was set up with. */
  readonly algorithm: 'sha1' | 'sha256' | 'sha512';
  /** Code length the app shows (6 to 8). */
  readonly digits: number;
  /** Time step in seconds (30 for every common app). */
  readonly period: number;
}

/** One enrolled authenticator app (a user may have several). */
export interface TotpCredential extends CredentialBase {
  /** Discriminant of {@link Credential}. */
  readonly type: 'totp';
  /** The encrypted secret and its code parameters. */
  readonly data: TotpData;
  /** Last accepted RFC 6238 time step, -1 when none. */
  readonly lastStep: number;
}

/** One recovery code of a set, as stored: never the code itself. */
export interface RecoveryCode {
  /** Keyed digest of the code (computed by the recovery-code factor); the store only compares. */
  readonly digest: string;
  /** When it was used, in ms since the epoch; null while it still works (single use). */
  readonly usedAt: number | null;
}

/** A user's one set of recovery codes (look-up secrets, NIST SP 800-63B-4 §3.1.2). */
export interface RecoveryCodesCredential extends CredentialBase {
  /** Discriminant of {@link Credential}. */
  readonly type: 'recovery-codes';
  /** In the order they were given to `replaceRecoveryCodes`. */
  readonly codes: readonly RecoveryCode[];
}

/** An email address the user proved they receive mail at (a code sent to it was entered). */
export interface EmailCredential extends CredentialBase {
  /** Discriminant of {@link Credential}. */
  readonly type: 'email';
  /** Where the codes go. */
  readonly data: {
    /** The address as entered at enrolment; treat it as personal data. */
    readonly address: string;
  };
}

/**
 * A WebAuthn credential as the relying party keeps it (W3C WebAuthn L3 §7.1 step 27: credential
 * id, public key, sign count, transports, backup flags). Binary values are base64url.
 */
export interface PasskeyData {
  /** The credential id the authenticator chose (≤ 1023 bytes, WebAuthn L3 §5.1). */
  readonly credentialId: string;
  /** The COSE public key from the attested credential data. */
  readonly publicKey: string;
  /** Hints for the browser (`internal`, `usb`, `hybrid`…), as the authenticator reported them. */
  readonly transports: readonly string[];
  /** `multiDevice` when the credential may be synced (backup eligible, BE flag). */
  readonly deviceType: 'singleDevice' | 'multiDevice';
  /** The BS flag at registration: the credential is backed up (synced). */
  readonly backedUp: boolean;
  /** The authenticator model, a UUID (all zeros with attestation `none` from most). */
  readonly aaguid: string;
  /** The WebAuthn user handle (`user.id`) the credential was made for: random, never the user id. */
  readonly userHandle: string;
}

/** A registered passkey (WebAuthn credential). */
export interface PasskeyCredential extends CredentialBase {
  /** Discriminant of {@link Credential}. */
  readonly type: 'passkey';
  /** What the relying party needs to verify its assertions. */
  readonly data: PasskeyData;
  /** The last signature counter accepted (0 for authenticators that do not count). */
  readonly counter: number;
}

/** Any stored credential; switch on `type`. */
export type Credential =
  TotpCredential | RecoveryCodesCredential | EmailCredential | PasskeyCredential;
