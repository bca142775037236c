// Attack: adaptive rules decide when MFA is asked. A forged X-Forwarded-For must not move a
// client into the trusted range, a broken risk scorer must not skip MFA, and a skip must never
// open a route that demands a recent or real factor.
import { describe, expect, it } from 'vitest';
import {
  allOf,
  anyOf,
  country,
  ipRange,
  newDevice,
  riskScore,
  type WhenRule,
} from '../../lib/index.js';
import { client, makeApp, TEST_CODE } from '../helpers/app.js';

const fakeReq = (ip: string) => ({ ip }) as never;

describe('rule builders', () => {
  it('ipRange: IPv4 and IPv6 CIDRs, IPv4-mapped addresses', async () => {
    const rule = ipRange(['10.0.0.0/8', '2001:db8::/32'], { inside: 'skip', outside: 'require' });
    expect(await rule(fakeReq('10.2.3.4'), {})).toBe('skip');
    expect(await rule(fakeReq('::ffff:10.2.3.4'), {})).toBe('skip');
    expect(await rule(fakeReq('2001:db8:1::5'), {})).toBe('skip');
    expect(await rule(fakeReq('2001:db9::1'), {})).toBe('require');
    expect(await rule(fakeReq('192.168.1.1'), {})).toBe('require');
    expect(() => ipRange(['10.0.0.0/33'])).toThrow(TypeError);
    expect(() => ipRange(['not-an-ip'])).toThrow(TypeError);
  });

  it('riskScore: at or above the threshold requires; a broken score requires', async () => {
    expect(await riskScore(() => 0.2, 0.5)(fakeReq('1.1.1.1'), {})).toBe('default');
    expect(await riskScore(() => 0.5, 0.5)(fakeReq('1.1.1.1'), {})).toBe('require');
    expect(await riskScore(() => Number.NaN, 0.5)(fakeReq('1.1.1.1'), {})).toBe('require');
  });

  it('country: allow and deny lists; an unknown country requires', async () => {
    const resolve = (ip: string) => ({ '1.1.1.1': 'fr', '2.2.2.2': 'KP' })[ip];
    expect(await country(resolve, { allow: ['FR'] })(fakeReq('1.1.1.1'), {})).toBe('default');
    expect(await country(resolve, { allow: ['FR'] })(fakeReq('2.2.2.2'), {})).toBe('require');
    expect(await country(resolve, { deny: ['KP'] })(fakeReq('2.2.2.2'), {})).toBe('require');
    expect(await country(resolve, { deny: ['KP'] })(fakeReq('1.1.1.1'), {})).toBe('default');
    expect(await country(resolve, { deny: ['KP'] })(fakeReq('9.9.9.9'), {})).toBe('require');
  });

  it('anyOf and allOf compose; require wins in anyOf', async () => {
    const r =
      (v: 'require' | 'skip' | 'default'): WhenRule =>
      () =>
        v;
    expect(await anyOf(r('skip'), r('require'))(fakeReq('1.1.1.1'), {})).toBe('require');
    expect(await anyOf(r('skip'), r('default'))(fakeReq('1.1.1.1'), {})).toBe('skip');
    expect(await allOf(r('skip'), r('default'))(fakeReq('1.1.1.1'), {})).toBe('default');
    expect(await allOf(r('require'), r('require'))(fakeReq('1.1.1.1'), {})).toBe('require');
    expect(await allOf(r('skip'), r('skip'))(fakeReq('1.1.1.1'), {})).toBe('skip');
  });
});

describe('rules at login', () => {
  it('a forged X-Forwarded-For with trust proxy off does not enter the trusted range', async () => {
    const { app } = makeApp({
      stepup: { when: ipRange(['10.0.0.0/8'], { inside: 'skip', outside: 'default' }) },
    });
    const c = await client(app);
    const res = await c.agent
      .post('/auth/login')
      .set('x-forwarded-for', '10.1.1.1')
      .set('x-csrf-token', c.csrf)
      .send({ username: 'bob', password: 'bob-password-1' });
    expect(res.body.status).toBe('mfa_required');
  });

  it('with trust proxy on, the forwarded client IP is used: inside skips, and a skip never opens maxAge or no-remember routes', async () => {
    const { app } = makeApp({
      trustProxy: true,
      stepup: { when: ipRange(['10.0.0.0/8', 'fd00::/8'], { inside: 'skip', outside: 'default' }) },
    });
    for (const ip of ['10.1.1.1', 'fd00::1']) {
      const c = await client(app);
      c.agent.set('x-forwarded-for', ip);
      const res = await c.login('bob', 'bob-password-1');
      expect(res.body).toMatchObject({ status: 'authenticated', amr: ['pwd'] });
      expect((await c.get('/auth/session')).body).toMatchObject({
        status: 'satisfied',
        factors: [],
      });
      expect((await c.get('/reports')).status).toBe(200);
      const billing = await c.get('/billing');
      expect(billing.status).toBe(401);
      expect(billing.body.reason).toBe('stale');
      expect((await c.get('/payout')).body.reason).toBe('factor_not_allowed');
      await c.verify(TEST_CODE);
      expect((await c.get('/billing')).status).toBe(200);
    }
  });

  it('require sends a user without a factor to enrolment even in optional mode', async () => {
    const { app } = makeApp({ stepup: { when: riskScore(() => 0.9, 0.5) } });
    const c = await client(app);
    expect((await c.login('alice', 'alice-password-1')).body.status).toBe('enrollment_required');
  });

  it('newDevice: ask only on a browser that never completed a second factor for this user', async () => {
    const onlyNewDevices: WhenRule = async (req, user) =>
      (await newDevice()(req, user)) === 'require' ? 'require' : 'skip';
    const { app } = makeApp({ stepup: { when: onlyNewDevices }, enrolled: ['u-bob'] });
    const c = await client(app);
    expect((await c.login('bob', 'bob-password-1')).body.status).toBe('mfa_required');
    await c.verify(TEST_CODE);
    await c.post('/auth/logout');
    const token = (await c.agent.get('/auth/csrf')).body.csrfToken as string;
    const again = await c.agent
      .post('/auth/login')
      .set('x-csrf-token', token)
      .send({ username: 'bob', password: 'bob-password-1' });
    expect(again.body).toMatchObject({ status: 'authenticated', amr: ['pwd'] });
    // Another browser (no device cookie) is new: asked again.
    await c.agent.post('/auth/logout').set('x-csrf-token', again.body.csrfToken as string);
    const other = await client(app);
    expect((await other.login('bob', 'bob-password-1')).body.status).toBe('mfa_required');
  });
});
