import type { Request } from 'express';
import { hostOf, type FactorHost, type Hosted } from '../core/context.js';
import { StepupError } from '../core/errors.js';
import { assertFreshMfa, assertSignedIn } from './guards.js';

/** Who acts and on whom, once `assertAdminMayReset` let the request through. */
export interface AdminResetParties {
  /** The signed-in administrator (the `adminId` of the `admin.mfa_reset` event). */
  readonly adminId: string;
  /** The user whose factors are to be reset, validated. */
  readonly userId: string;
}

/**
 * Who may reset another user's second factors, checked in one place for the JSON router
 * (`POST /auth/admin/users/:id/mfa/reset`) and an app's own admin pages. Returns the admin's id
 * and the validated target, for `stepup.adminReset(req, userId, adminId)` (its `admin.mfa_reset`
 * event names both).
 *
 * Removing every factor of another account is the strongest change an account can make, so the
 * admin's session must be at least as strong as the one a user needs to change their own
 * factors (docs/architecture.md, invariant 20; NIST SP 800-63B-4 §2.2.3 reauthentication,
 * OWASP ASVS 5.0 V6.4.x: authentication factor changes need re-authentication):
 *  - signed in, and `isAdmin(req)` (else 403 `forbidden`);
 *  - the admin's own account not locked (429 `too_many_attempts`): a lock means someone is
 *    guessing the admin's second factor;
 *  - a fresh second factor of the admin's own when the admin has one (401 `mfa_required`): a
 *    remembered browser alone is AAL1 (§5.1.1) and does not count;
 *  - a target the app or the library knows (404 `not_found`).
 */
export async function assertAdminMayReset(
  stepup: Hosted,
  req: Request,
  userId: unknown,
): Promise<AdminResetParties> {
  const host = hostOf(stepup);
  const adminId = assertSignedIn(host, req);
  if (!(await host.context.options.isAdmin(req))) throw new StepupError('FORBIDDEN');
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > 256) {
    throw new StepupError('INVALID_REQUEST', { field: 'id' });
  }
  await host.context.attempts.assertNotLocked(adminId);
  await assertFreshMfa(host, req);
  if (!(await isKnownUser(host, userId))) {
    throw new StepupError('NOT_FOUND', {}, 'There is no such user, or nothing to reset.');
  }
  return { adminId, userId };
}

/**
 * An id is known when the library holds a factor for it, or the app's `userExists` vouches for
 * it. Without `userExists` an id with no factor is `not_found`: the library cannot tell an
 * unknown user from one with nothing to reset, and a 204 for a mistyped id would tell the admin
 * that a reset happened when none did.
 */
async function isKnownUser(host: FactorHost, userId: string): Promise<boolean> {
  if ((await host.enrolledFactors(userId)).length > 0) return true;
  if ((await host.context.credentials.list(userId)).length > 0) return true;
  const userExists = host.context.options.userExists;
  return userExists ? (await userExists(userId)) === true : false;
}
