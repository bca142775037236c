// Attack: secrets leak through logs. Every decision emits a typed event with who, from where
// and when, and no event ever carries a password or a code (docs/architecture.md, invariant 7).
import type { StepupEventType } from '../../lib/index.js';
import { describe, expect, it } from 'vitest';
import { client, makeApp, TEST_CODE } from '../helpers/app.js';

describe('events', () => {
  it('carry user id, IP, user agent and time for each decision, never a code or password', async () => {
    const { app, events } = makeApp();
    const c = await client(app);
    await c.agent.get('/auth/session');
    await c.login('bob', 'wrong-password');
    await c.login('bob', 'bob-password-1');
    await c.verify('111111');
    await c.verify(TEST_CODE);
    await c.post('/auth/logout');
    const types = events.map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'login.failed',
        'login.first_factor',
        'login.pending',
        'mfa.failed',
        'login.satisfied',
        'logout',
      ]),
    );
    for (const e of events) {
      expect(typeof e.time).toBe('number');
      expect(e.ip).toMatch(/127\.0\.0\.1/);
      expect(typeof e.userAgent).toBe('string');
    }
    expect(events.find((e) => e.type === 'login.satisfied')).toMatchObject({
      userId: 'u-bob',
      factor: 'test-code',
    });
    const dump = JSON.stringify(events);
    for (const secret of [TEST_CODE, '111111', 'bob-password-1', 'wrong-password']) {
      expect(dump).not.toContain(secret);
    }
  });

  it('strips forbidden fields and survives a throwing listener', async () => {
    const { stepup } = makeApp({
      stepup: {
        onEvent: () => {
          throw new Error('listener bug');
        },
      },
    });
    let e: unknown;
    stepup.events.on('event', (event) => (e = event)); // after the throwing one: still called
    stepup.events.emitFor(undefined, 'custom' as StepupEventType, {
      userId: 'u',
      code: '123456',
      password: 'p',
      secret: 's',
    });
    expect(e).toMatchObject({ type: 'custom', userId: 'u' });
    expect(JSON.stringify(e)).not.toMatch(/123456|"p"|"s"/);
  });
});
