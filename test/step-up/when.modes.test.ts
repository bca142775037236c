// Attack: an account without a second factor is the weakest link. `required` mode sends such
// users to enrolment; the grace period lets a rollout happen without locking everyone out,
// and ends on time.
import { describe, expect, it } from 'vitest';
import { client, makeApp } from '../helpers/app.js';
import { fakeClock } from '../helpers/clock.js';

describe('enforcement modes', () => {
  it('optional: users without a factor are authenticated, users with one are asked', async () => {
    const { app } = makeApp({ stepup: { mode: 'optional' } });
    expect((await (await client(app)).login('alice', 'alice-password-1')).body.status).toBe(
      'authenticated',
    );
    expect((await (await client(app)).login('bob', 'bob-password-1')).body.status).toBe(
      'mfa_required',
    );
  });

  it('required: a user without a factor gets enrollment_required and reaches no guarded route', async () => {
    const { app } = makeApp({ stepup: { mode: 'required' } });
    const c = await client(app);
    expect((await c.login('alice', 'alice-password-1')).body).toMatchObject({
      status: 'enrollment_required',
    });
    expect((await c.get('/auth/session')).body).toMatchObject({
      status: 'pending',
      next: 'enroll',
    });
    expect((await c.get('/me')).status).toBe(401);
  });

  it('grace by logins: the first N logins pass, the next one must enrol; the session says so', async () => {
    const { app } = makeApp({ stepup: { mode: 'required', grace: { logins: 2 } } });
    const first = await client(app);
    expect((await first.login('alice', 'alice-password-1')).body.status).toBe('authenticated');
    expect((await first.get('/auth/session')).body.enrollmentGrace).toEqual({ loginsLeft: 1 });
    const second = await client(app);
    expect((await second.login('alice', 'alice-password-1')).body.status).toBe('authenticated');
    expect((await second.get('/auth/session')).body.enrollmentGrace).toEqual({ loginsLeft: 0 });
    const third = await client(app);
    expect((await third.login('alice', 'alice-password-1')).body.status).toBe(
      'enrollment_required',
    );
  });

  it('grace by date: before the date users sign in, after it they must enrol', async () => {
    const clock = fakeClock();
    const until = clock.now() + 7 * 24 * 3600_000;
    const { app } = makeApp({
      stepup: { mode: 'required', now: clock.now, grace: { until: new Date(until) } },
    });
    const c = await client(app);
    expect((await c.login('alice', 'alice-password-1')).body.status).toBe('authenticated');
    expect((await c.get('/auth/session')).body.enrollmentGrace).toEqual({ until });
    clock.advance(7 * 24 * 3600_000);
    expect((await (await client(app)).login('alice', 'alice-password-1')).body.status).toBe(
      'enrollment_required',
    );
  });

  it('grace options are validated', () => {
    expect(() => makeApp({ stepup: { mode: 'optional', grace: { logins: 3 } } })).toThrow(
      /only applies/,
    );
    expect(() => makeApp({ stepup: { mode: 'required', grace: { logins: 0 } } })).toThrow(
      /positive integer/,
    );
    expect(() => makeApp({ stepup: { mode: 'required', grace: {} } })).toThrow(/logins, until/);
  });
});
