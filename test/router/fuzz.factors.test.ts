// Attack: a fuzzer throws malformed, huge, oddly typed, duplicated and prototype-polluting bodies
// at the TOTP, recovery, email, SMS and browser endpoints, hunting for a 500 or a state change.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFuzzApp, RUNS_MAIN, RUNS_OTHER, type Target, TIMEOUT } from '../helpers/fuzz-app.js';
import { bodies, codeBodies, emailLike, ids } from '../helpers/fuzz-bodies.js';

const { stepup, agents, start, stop, fuzz } = makeFuzzApp();
beforeAll(start, 60_000);
afterAll(stop);

const cases: [string, Target][] = [
  [
    'POST /auth/mfa/totp/confirm (fresh; re-enrolment pending)',
    {
      agent: () => agents.fresh,
      method: 'post',
      path: '/auth/mfa/totp/confirm',
      bodies: codeBodies,
      runs: RUNS_MAIN,
      errors: ['invalid_code'],
    },
  ],
  [
    'POST /auth/mfa/totp/disable (fresh)',
    {
      agent: () => agents.fresh,
      method: 'post',
      path: '/auth/mfa/totp/disable',
      bodies: codeBodies,
      runs: RUNS_MAIN,
      errors: ['invalid_code'],
    },
  ],
  [
    'POST /auth/mfa/recovery-codes/regenerate (stale; the inline TOTP `code` path)',
    {
      agent: () => agents.stale,
      method: 'post',
      path: '/auth/mfa/recovery-codes/regenerate',
      bodies: codeBodies,
      runs: RUNS_MAIN,
      errors: ['invalid_code', 'mfa_required'],
    },
  ],
  [
    'POST /auth/mfa/totp/enroll (stale)',
    {
      agent: () => agents.stale,
      method: 'post',
      path: '/auth/mfa/totp/enroll',
      bodies: bodies([]),
      runs: RUNS_OTHER,
      errors: ['mfa_required'],
    },
  ],
  [
    'POST /auth/mfa/email/send (pending; cooldown running)',
    {
      agent: () => agents.pendingSend,
      method: 'post',
      path: '/auth/mfa/email/send',
      bodies: bodies([]),
      runs: RUNS_OTHER,
      errors: ['resend_too_soon'],
    },
  ],
  [
    'POST /auth/mfa/sms/send (pending; cooldown running)',
    {
      agent: () => agents.pendingSend,
      method: 'post',
      path: '/auth/mfa/sms/send',
      bodies: bodies([]),
      runs: RUNS_OTHER,
      errors: ['resend_too_soon'],
    },
  ],
  [
    'POST /auth/mfa/email/enroll (stale)',
    {
      agent: () => agents.stale,
      method: 'post',
      path: '/auth/mfa/email/enroll',
      bodies: bodies(['email'], fc.record({ email: emailLike })),
      runs: RUNS_OTHER,
      errors: ['mfa_required'],
    },
  ],
  [
    'POST /auth/mfa/email/confirm (fresh; enrolment code sent)',
    {
      agent: () => agents.fresh,
      method: 'post',
      path: '/auth/mfa/email/confirm',
      bodies: codeBodies,
      runs: RUNS_OTHER,
      errors: ['invalid_code', 'code_expired'],
    },
  ],
  [
    'POST /auth/mfa/email/disable (fresh; no enrolled address)',
    {
      agent: () => agents.fresh,
      method: 'post',
      path: '/auth/mfa/email/disable',
      bodies: bodies([]),
      runs: RUNS_OTHER,
      errors: ['factor_not_enrolled'],
    },
  ],
  [
    'DELETE /auth/mfa/browsers/:id (signed in; ids and bodies fuzzed)',
    {
      agent: () => agents.stale,
      method: 'delete',
      path: (id) => `/auth/mfa/browsers/${id}`,
      bodies: bodies(['id']),
      ids,
      runs: RUNS_OTHER,
      errors: ['not_found'],
    },
  ],
  [
    'DELETE /auth/mfa/browsers (pending)',
    {
      agent: () => agents.pending,
      method: 'delete',
      path: '/auth/mfa/browsers',
      bodies: bodies([]),
      runs: RUNS_OTHER,
      errors: ['authentication_required'],
    },
  ],
];

describe('fuzzing the factor endpoints: only 4xx with a known code, no state change', () => {
  it.each(cases)('%s', async (_name, target) => fuzz(target), TIMEOUT);

  it('afterwards: TOTP, 10 recovery codes and the remembered browser are all there', async () => {
    const recovery = stepup.factors.get('recovery-code') as unknown as {
      remaining(id: string): Promise<number>;
    };
    expect(await recovery.remaining('u-alice')).toBe(10);
    expect((await agents.stale.get('/auth/mfa/browsers')).body.browsers).toHaveLength(1);
    expect(await stepup.factors.get('totp')?.isEnrolled('u-alice')).toBe(true);
    expect((await agents.stale.get('/auth/session')).body.status).toBe('satisfied');
  });
});
