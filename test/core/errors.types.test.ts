// Clients and our own code branch on `code` and read details such as `retryAfter`: the types
// must promise what the JSON says (a 429 always has a numeric retryAfter), so that a refusal
// built without it fails to compile instead of sending a client into a retry loop.
import { describe, expect, expectTypeOf, it } from 'vitest';
import { StepupError, type ErrorCode } from '../../lib/index.js';

describe('StepupError types', () => {
  it('carries its code as a literal and typed details per code', () => {
    const locked = new StepupError('TOO_MANY_ATTEMPTS', { retryAfter: 42 });
    expectTypeOf(locked.code).toEqualTypeOf<'too_many_attempts'>();
    expectTypeOf(locked.details.retryAfter).toEqualTypeOf<number | undefined>();
    expect(locked.toJSON()).toMatchObject({ error: 'too_many_attempts', retryAfter: 42 });
    const stale = new StepupError('MFA_REQUIRED', { reason: 'stale', maxAge: 300 });
    expectTypeOf(stale.code).toEqualTypeOf<'mfa_required'>();
    expect(stale.status).toBe(401);
    const any: StepupError = stale;
    expectTypeOf(any.code).toEqualTypeOf<ErrorCode>();
  });

  it('refuses details of the wrong shape at compile time', () => {
    // @ts-expect-error a 429 without retryAfter does not compile
    expect(new StepupError('TOO_MANY_ATTEMPTS', {}).status).toBe(429);
    // @ts-expect-error retryAfter is a number of seconds, not a string
    expect(new StepupError('RESEND_TOO_SOON', { retryAfter: '5' }).status).toBe(429);
    // @ts-expect-error mfa_required needs a known reason
    expect(new StepupError('MFA_REQUIRED', { reason: 'whatever' }).status).toBe(401);
  });
});
