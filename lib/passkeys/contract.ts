/**
 * What the passkey services and routes need of the registered `passkey` factor.
 * `PasskeyStrategy` (strategies/passkey.ts) implements it; this folder finds it through
 * `PASSKEY` in the registry and never imports the Passport face (docs/architecture.md, "Layers").
 */
import type { Request } from 'express';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { factorKey, type SecondFactor } from '../core/context.js';
import type { PasskeyCredential } from '../stores/credentials/rows.js';
import type { ResolvedPasskeysOptions } from './options.js';
import type { RegistrationResponse } from './schemas.js';

export interface PasskeyFactor extends SecondFactor {
  /** The factor's options after validation (relying party, origins, challenge lifetime). */
  readonly passkeyOptions: ResolvedPasskeysOptions;
  /** Creation options for a new passkey of this user; the challenge is kept for this session. */
  registrationOptions(
    req: Request,
    userId: string,
  ): Promise<PublicKeyCredentialCreationOptionsJSON>;
  /** Verify a registration and store the passkey; undefined when it does not verify. */
  register(
    req: Request,
    userId: string,
    response: RegistrationResponse,
    label: string | undefined,
  ): Promise<PasskeyCredential | undefined>;
  /**
   * Request options: for this user's passkeys (`userId`), or for any discoverable passkey
   * (passwordless, `null`, user verification required).
   */
  authenticationOptions(
    req: Request,
    userId: string | null,
  ): Promise<PublicKeyCredentialRequestOptionsJSON>;
  /** The user's passkeys. */
  passkeys(userId: string): Promise<PasskeyCredential[]>;
}

/** Registry key of the passkey factor, seen through {@link PasskeyFactor}. */
export const PASSKEY = factorKey<PasskeyFactor>('passkey', [
  'registrationOptions',
  'register',
  'authenticationOptions',
  'passkeys',
]);
