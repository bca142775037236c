/**
 * TOTP secrets at rest: AES-256-GCM under the app's keys, bound to the user id through the AAD
 * so that a ciphertext copied to another account fails to decrypt. Keys rotate without a
 * migration: `current` encrypts, every key decrypts, rows move to the current key on use.
 */
import type { Request } from 'express';
import type { StepupContext } from '../core/context.js';
import { resolveKey } from '../core/key-rule.js';
import {
  createCipher,
  DecryptionError,
  generateEncryptionKey,
  type EncryptionKeys,
  type SecretCipher,
} from '../crypto/encryption.js';
import type { TotpCredential, TotpData } from '../stores/credentials/rows.js';

export class TotpSecrets {
  private readonly cipher: SecretCipher;

  constructor(
    private readonly ctx: StepupContext,
    options: { readonly encryptionKeys?: EncryptionKeys | undefined },
  ) {
    this.cipher = createCipher(
      resolveKey({
        where: 'totp',
        option: 'encryptionKeys',
        options,
        validate: (given) => given as EncryptionKeys, // createCipher checks every key
        generate: () => ({ current: 'ephemeral', keys: { ephemeral: generateEncryptionKey() } }),
        holder: ctx.credentials, // the ciphertexts live with the enrolled factors
        consequence:
          'enrolled authenticators would not survive a restart or work on other instances',
        example: "encryptionKeys: { current: 'k1', keys: { k1: '<openssl rand -base64 32>' } }",
        warningCode: 'PASSPORT_STEPUP_EPHEMERAL_KEY',
      }),
    );
  }

  seal(userId: string, secret: string): string {
    return this.cipher.encrypt(secret, aad(userId));
  }

  /** Throws a DecryptionError for a wrong key, another user's row or a corrupt ciphertext. */
  open(userId: string, ciphertext: string): string {
    return this.cipher.decrypt(ciphertext, aad(userId));
  }

  /** The credential row's data for a secret, sealed under the current key. */
  dataFor(userId: string, secret: string): TotpData {
    const ciphertext = this.seal(userId, secret);
    return { ciphertext, keyId: keyIdOf(ciphertext), algorithm: 'sha1', digits: 6, period: 30 };
  }

  /** True when the row was sealed under a key other than `current`. */
  isStale(data: TotpData): boolean {
    return this.cipher.needsReencrypt(data.ciphertext);
  }

  /** The same secret under the current key, without the plaintext leaving the cipher. */
  resealed(userId: string, data: TotpData): TotpData {
    const ciphertext = this.cipher.reencrypt(data.ciphertext, aad(userId));
    return { ...data, ciphertext, keyId: keyIdOf(ciphertext) };
  }

  /**
   * A secret that cannot be decrypted (wrong or retired key, a corrupt row) leaves the user
   * enrolled and the code refused: never "not enrolled", which would let the password alone in
   * (fail closed; docs/architecture.md, invariant 13). It is reported loudly instead.
   */
  tryOpen(req: Request | undefined, userId: string, row: TotpCredential): string | undefined {
    try {
      return this.open(userId, row.data.ciphertext);
    } catch (err) {
      if (!(err instanceof DecryptionError)) throw err;
      const fields = { userId, credentialId: row.id, keyId: row.data.keyId, reason: err.reason };
      this.ctx.events.emitFor(req, 'credential.undecryptable', fields);
      this.ctx.log('a TOTP secret could not be decrypted; the user stays enrolled', fields);
      return undefined;
    }
  }
}

function aad(userId: string): string {
  return `totp:${userId}`;
}

/** The key id of a ciphertext (`v1.<keyId>.…`), kept in the row so a DBA sees which key to keep. */
function keyIdOf(ciphertext: string): string {
  return ciphertext.split('.')[1] ?? '';
}
