/**
 * The command mix of the model test: which requests a random sequence is made of, and how
 * often (sign-in traffic most, account-wide events less often). Each becomes a Step of
 * commands.ts; `via` picks the app instance when there are two.
 */
import fc from 'fast-check';
import {
  PENDING_BROWSER,
  Step,
  type Action,
  type OutageAction,
  type RememberEnd,
} from './commands.js';
import type { Evidence, Path } from './expect.js';
import type { TotpKind, UserName } from './model.js';

const client = fc.integer({ min: 0, max: 1 });
const user = fc.constantFrom<UserName>('alice', 'bob', 'carol');
/** A browser, or (PENDING_BROWSER) the one where a login waits for its second factor. */
const verifier = fc.constantFrom(0, 1, PENDING_BROWSER, PENDING_BROWSER);
/** The right password three times in four: pending logins are where the rules are. */
const right = fc.constantFrom(true, true, true, false);
const path = fc.constantFrom<Path>('/me', '/reports', '/billing', '/vault');
const evidence: fc.Arbitrary<Evidence> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      factor: fc.constant('totp' as const),
      // Good codes most often: the current one (a replay until the clock moves past the step
      // of the last code used) and the next one (good unless it was just used).
      kind: fc.constantFrom(
        'current',
        'current',
        'next',
        'next',
        'previous',
        'replay',
        'other',
        'wrong',
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      factor: fc.constant('recovery-code' as const),
      kind: fc.constantFrom('fresh', 'spent', 'other', 'wrong', 'retired'),
    }),
  },
);
/** 30 s steps mostly; past the 5 min freshness, the 10 min pending TTL, a lock, a token's 8 h. */
const clockMs = fc.constantFrom(
  30_000,
  30_000,
  60_000,
  330_000,
  630_000,
  16 * 60_000,
  8 * 3600_000,
  // Past a remembered browser's 30 days.
  31 * 24 * 3600_000,
);

/** What is sent while the credential database is down. */
const outageInner: fc.Arbitrary<OutageAction> = fc.oneof(
  fc.record({ t: fc.constant('login' as const), c: client, user, right }),
  fc.record({ t: fc.constant('verify' as const), c: verifier, ev: evidence }),
  fc.record({ t: fc.constant('get' as const), c: client, path }),
  fc.record({ t: fc.constant('mint' as const), user, ev: fc.option(evidence, { nil: undefined }) }),
  fc.record({ t: fc.constant('useToken' as const), i: fc.nat(7), path }),
  fc.record({ t: fc.constant('password' as const), c: client }),
  fc.record({ t: fc.constant('disable' as const), c: client, ev: evidence }),
  fc.record({ t: fc.constant('reset' as const), c: client, i: fc.nat(7), ev: evidence }),
);

const instance = fc.nat(1);
const step = (a: fc.Arbitrary<Action>, weight: number) => ({
  weight,
  arbitrary: fc.tuple(a, instance).map(([x, via]) => new Step(x, via)),
});

/** The command mix: sign-in traffic most, account-wide events less often. */
export const commands = [
  fc.oneof(
    step(fc.record({ t: fc.constant('login' as const), c: client, user, right }), 5),
    step(
      fc.record({
        t: fc.constant('verify' as const),
        c: verifier,
        ev: evidence,
        // "Remember this browser" ticked one time in three (invariant 4).
        rb: fc.constantFrom(false, false, true),
      }),
      8,
    ),
    step(fc.record({ t: fc.constant('get' as const), c: client, path }), 5),
    step(fc.record({ t: fc.constant('logout' as const), c: client }), 1),
    step(
      fc.record({
        t: fc.constant('mint' as const),
        user,
        ev: fc.option(evidence, { nil: undefined }),
      }),
      3,
    ),
    step(fc.record({ t: fc.constant('useToken' as const), i: fc.nat(7), path }), 3),
    step(fc.record({ t: fc.constant('revoke' as const), i: fc.nat(7) }), 1),
    step(fc.record({ t: fc.constant('password' as const), c: client }), 1),
    step(fc.record({ t: fc.constant('disable' as const), c: client, ev: evidence }), 1),
    step(fc.record({ t: fc.constant('enrol' as const), c: client }), 2),
    step(fc.record({ t: fc.constant('adminReset' as const), user }), 1),
    step(fc.record({ t: fc.constant('clock' as const), ms: clockMs }), 4),
    step(fc.record({ t: fc.constant('burst' as const), user }), 1),
    step(fc.record({ t: fc.constant('forgot' as const), c: client, user }), 2),
    step(
      fc.record({
        t: fc.constant('reset' as const),
        c: client,
        i: fc.nat(7),
        ev: fc.option(evidence, { nil: undefined, freq: 4 }),
      }),
      3,
    ),
    step(
      fc.record({
        t: fc.constant('recover' as const),
        c: client,
        user,
        // Codes that leave the current TOTP code unused: a pending login elsewhere can then
        // send it and meet the moved login epoch rather than the replay marker.
        ev: fc.constantFrom<Evidence>(
          { factor: 'recovery-code', kind: 'fresh' },
          { factor: 'recovery-code', kind: 'fresh' },
          { factor: 'totp', kind: 'previous' },
        ),
      }),
      3,
    ),
    step(
      fc.record({
        t: fc.constant('stale' as const),
        c: client,
        user: fc.constantFrom<'bob' | 'carol'>('bob', 'carol'),
        how: fc.constantFrom<'password' | 'recover' | 'admin' | 'flush'>(
          'password',
          'recover',
          'admin',
          'flush',
        ),
      }),
      2,
    ),
    step(
      fc.record({
        t: fc.constant('remembered' as const),
        c: client,
        user: fc.constantFrom<'bob' | 'carol'>('bob', 'carol'),
        how: fc.constantFrom<RememberEnd>(
          'none',
          'password',
          'reset',
          'disable',
          'admin',
          'recovery',
          'expiry',
        ),
      }),
      2,
    ),
    step(fc.record({ t: fc.constant('appLogin' as const), c: client, user }), 2),
    // Faults, where the stores are shared (the commands' check() drops them elsewhere).
    step(fc.record({ t: fc.constant('flush' as const) }), 1),
    step(fc.record({ t: fc.constant('outage' as const), inner: outageInner }), 2),
    step(fc.record({ t: fc.constant('appLogout' as const), c: client }), 1),
    step(
      fc.record({
        t: fc.constant('endSession' as const),
        c: client,
        all: fc.constantFrom(false, false, true),
      }),
      2,
    ),
    step(
      fc.record({
        t: fc.constant('endOther' as const),
        c: client,
        user,
        verified: fc.boolean(),
        all: fc.boolean(),
      }),
      2,
    ),
    step(
      fc.record({
        t: fc.constant('regenerateAs' as const),
        c: client,
        user,
        kind: fc.constantFrom<TotpKind | undefined>(undefined, 'current', 'next', 'wrong'),
      }),
      1,
    ),
    step(
      fc.record({
        t: fc.constant('regenerate' as const),
        c: client,
        kind: fc.constantFrom<TotpKind | undefined>(
          undefined,
          undefined,
          'current',
          'next',
          'wrong',
        ),
      }),
      2,
    ),
  ),
];
