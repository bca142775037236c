import type { Router } from 'express';
import { z } from 'zod';
import { StepupError } from '../core/errors.js';
import { removeFactor } from '../core/factor-lifecycle.js';
import { assertFreshMfa, assertSignedIn } from '../http/guards.js';
import { labelField, parseBody, proofBody, route } from '../http/edge.js';
import type { Credential } from '../stores/credentials/rows.js';
import type { RouterHost } from './host.js';

/** What a client sees of an authenticator: never a secret, a digest or an address in full. */
function publicView(row: Credential) {
  return {
    id: row.id,
    type: row.type,
    label: row.label,
    createdAt: row.createdAt,
    lastUsedAt: row.lastUsedAt,
    // A passkey's public flags help the user tell them apart ("synced", "this device only").
    ...(row.type === 'passkey'
      ? { backedUp: row.data.backedUp, deviceType: row.data.deviceType }
      : {}),
  };
}

const labelBody = z.object({ label: labelField });
/** Credential ids are 22-character base64url, recovery sets `rc:` + 43; anything else is 404. */
const ID = /^(rc:)?[A-Za-z0-9_-]{1,64}$/;

/**
 * `GET /mfa/factors`, `PATCH /mfa/factors/:id {label}`, `DELETE /mfa/factors/:id {code}` (or `{response}`, a passkey assertion): the
 * user's authenticators, one row each (several authenticator apps, a recovery-code set, an email
 * address). Ids are scoped to the signed-in user, so another user's id is `404 not_found`
 * (OWASP ASVS 5.0 V8.2.2). Removing one needs a fresh second factor and a current code, bumps
 * the credential epoch (remembered browsers die) and notifies the user (docs/architecture.md,
 * invariant 11).
 */
export function mountFactorRoutes(router: Router, host: RouterHost): void {
  const { credentials } = host.context;
  const idOf = (raw: unknown): string => {
    if (typeof raw !== 'string' || !ID.test(raw)) throw new StepupError('NOT_FOUND');
    return raw;
  };

  router.get(
    '/mfa/factors',
    route(async (req, res) => {
      const userId = assertSignedIn(host, req);
      res.json({ factors: (await credentials.list(userId)).map(publicView) });
    }),
  );

  router.patch(
    '/mfa/factors/:id',
    route(async (req, res) => {
      const userId = assertSignedIn(host, req);
      const id = idOf(req.params.id);
      const { label } = parseBody(labelBody, req.body);
      if (!(await credentials.updateLabel(userId, id, label))) throw new StepupError('NOT_FOUND');
      const row = await credentials.get(userId, id);
      if (!row) throw new StepupError('NOT_FOUND');
      res.json(publicView(row));
    }),
  );

  router.delete(
    '/mfa/factors/:id',
    route(async (req, res) => {
      const userId = await assertFreshMfa(host, req);
      const id = idOf(req.params.id);
      const { code, response } = parseBody(proofBody, req.body);
      const row = await credentials.get(userId, id);
      if (!row) throw new StepupError('NOT_FOUND');
      await removeFactor(host, req, userId, {
        factor: row.type,
        proof: { code, response },
        remove: () => credentials.delete(userId, id).then(() => undefined),
        reason: `${row.type}_removed`,
      });
      res.status(204).end();
    }),
  );
}
