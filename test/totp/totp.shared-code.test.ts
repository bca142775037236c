/**
 * Two steps of the verify window can give the same six digits (about one pair in a million).
 * When the earlier of them is already spent, the later step is still unused and its code must
 * pass once (RFC 6238 §5.2 forbids a second use of a step, not the use of a fresh one): the
 * strategy hands the row's last accepted step to `verifyTotp` (`afterTimeStep`), which then
 * picks the first unused match. Without that it took the spent step, the conditional UPDATE
 * refused it, and the right code was answered as a replay.
 *
 * The secret below was found by searching random keys for one whose codes at steps 59000000
 * and 59000001 coincide; the test checks that they do before relying on it.
 */
import { describe, expect, it } from 'vitest';
import { createStepup } from '../../lib/index.js';
import { HOST } from '../../lib/core/context.js';
import { generateTotp } from '../../lib/totp/totp-core.js';
import { TotpSecrets } from '../../lib/totp/totp-secrets.js';
import { totp, type TotpStrategy } from '../../strategies/totp.js';
import { fakeClock } from '../helpers/clock.js';
import { KEYS } from '../helpers/totp-app.js';

const SECRET = 'HXHZ3SMTAA2BXZHGOHSGOMG6COBQ6PWL';
const SPENT = 59_000_000;
const at = (step: number) => step * 30_000 + 1_000;

describe('TOTP: two steps of the window share a code', () => {
  it('the unused step passes once when the earlier one is spent', async () => {
    const shared = await generateTotp({ secret: SECRET, now: at(SPENT) });
    expect(await generateTotp({ secret: SECRET, now: at(SPENT + 1) })).toBe(shared);

    const clock = fakeClock(at(SPENT + 1));
    const stepup = createStepup({
      now: clock.now,
      factors: [totp({ issuer: 'Acme', encryptionKeys: KEYS })],
    });
    const secrets = new TotpSecrets(stepup[HOST].context, { encryptionKeys: KEYS });
    await stepup.credentials.createTotp({
      userId: 'u1',
      data: secrets.dataFor('u1', SECRET),
      lastStep: SPENT, // the code was accepted at the earlier step
      now: clock.now(),
    });
    const strategy = stepup.factors.get('totp') as TotpStrategy;

    expect(await strategy.verifyCurrent(undefined, 'u1', shared)).toBe(true);
    // Both steps are spent now: the same digits are a replay.
    expect(await strategy.verifyCurrent(undefined, 'u1', shared)).toBe(false);
  });
});
