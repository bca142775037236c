// A new user's client read `factors` from a guard's refusal to know what to offer next: a
// pending login got `[]` from requireAuth() and every registered factor from requireMfa(), and
// `not_enrolled` told a user to "set up" recovery codes, which only back up another factor.
// A refusal now lists what the user can do: the factors the login offered, or the ones to enrol.
import { describe, expect, it } from 'vitest';
import { recoveryCodes } from '../../strategies/recovery-code.js';
import { client, makeApp } from '../helpers/app.js';
import { TEST_HMAC_KEY } from '../helpers/recovery-app.js';

const withRecovery = (stepup: Parameters<typeof makeApp>[0] = {}) =>
  makeApp({ ...stepup, extraFactors: [recoveryCodes({ hmacKey: TEST_HMAC_KEY })] });

describe('what a guard refusal lists in factors', () => {
  it('pending: the factors the login offered, on requireAuth and requireMfa', async () => {
    const { app } = withRecovery();
    const c = await client(app);
    const login = await c.login('bob', 'bob-password-1');
    // bob has the two test factors, no recovery codes.
    expect(login.body).toMatchObject({
      status: 'mfa_required',
      factors: ['test-code', 'other-code'],
    });
    for (const path of ['/me', '/reports', '/billing']) {
      const res = await c.get(path);
      expect(res.status).toBe(401);
      expect(res.body, path).toMatchObject({ reason: 'pending' });
      expect(res.body.factors, path).toEqual(['test-code', 'other-code']);
    }
    // A route that accepts one factor lists only that one.
    expect((await c.get('/payout')).body.factors).toEqual(['other-code']);
  });

  it('not_enrolled (signed in without a factor): what can be set up, never recovery codes', async () => {
    const { app } = withRecovery();
    const c = await client(app);
    expect((await c.login('alice', 'alice-password-1')).body.status).toBe('authenticated');
    const res = await c.get('/reports');
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ reason: 'not_enrolled' });
    expect(res.body.factors).toEqual(['test-code', 'other-code']);
  });

  it('not_enrolled (required mode, pending enrolment): the same list', async () => {
    const { app } = withRecovery({ stepup: { mode: 'required' } });
    const c = await client(app);
    expect((await c.login('alice', 'alice-password-1')).body.status).toBe('enrollment_required');
    const res = await c.get('/reports');
    expect(res.body).toMatchObject({ reason: 'not_enrolled' });
    expect(res.body.factors).toEqual(['test-code', 'other-code']);
  });
});
