// Attack: malformed recovery codes probing for a crash (500), a type confusion (an array where a
// string belongs) or a Unicode look-alike that a lenient normaliser would fold into a real code.
// Every one gets a 4xx with a clear error code, never a 500, never a bypass (docs/architecture.md, invariant 8).
import { describe, expect, it } from 'vitest';
import { client } from '../helpers/app.js';
import { makeRecoveryApp } from '../helpers/recovery-app.js';

/** Latin capitals → the Cyrillic letters drawn the same (А В С Е Н К М Р Т Х). */
const CYRILLIC: Record<string, string> = {
  A: '\u0410',
  B: '\u0412',
  C: '\u0421',
  E: '\u0415',
  H: '\u041d',
  K: '\u041a',
  M: '\u041c',
  P: '\u0420',
  T: '\u0422',
  X: '\u0425',
};
const cyrillic = (s: string) => s.replace(/[ABCEHKMPTX]/g, (c) => CYRILLIC[c] ?? c);

/** Fullwidth forms (U+FF10…, U+FF21…): NFKC would fold them back to ASCII. */
const fullwidth = (s: string) =>
  s.replace(/[A-Z0-9]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

async function pendingBob() {
  const made = makeRecoveryApp({ stepup: { lockout: { maxFailures: 100 } } });
  const codes = await made.recovery.generate(undefined, 'u-bob');
  const c = await client(made.app);
  await c.login('bob', 'bob-password-1');
  return { ...made, c, code: codes[0] ?? '' };
}

const badBodies: [string, unknown, number, string][] = [
  ['a 10 kB string', 'A'.repeat(10_000), 400, 'invalid_request'],
  ['an empty string', '', 400, 'invalid_request'],
  ['an array', ['ABCDE-FGHJK-MNPQR-STVWX-YZ012'], 400, 'invalid_request'],
  ['a number', 1234567890, 400, 'invalid_request'],
  ['an object', { $ne: '' }, 400, 'invalid_request'],
  ['null', null, 400, 'invalid_request'],
  ['blanks only', '     ', 401, 'invalid_code'],
  ['128 valid symbols', 'A'.repeat(128), 401, 'invalid_code'],
  ['Arabic-Indic digits', '\u0660\u0661\u0662\u0663\u0664'.repeat(5), 401, 'invalid_code'],
  ['mathematical digits', '\u{1D7D0}'.repeat(25), 401, 'invalid_code'],
  ['a NUL byte', `ABCDE\0FGHJK-MNPQR-STVWX-YZ012`, 401, 'invalid_code'],
  ['SQL-ish', "' OR '1'='1", 401, 'invalid_code'],
];

describe('POST /auth/mfa/verify {factor:"recovery-code"} with bad codes', () => {
  it.each(badBodies)('%s → %i %s', async (_label, code, status, error) => {
    const { c, recovery } = await pendingBob();
    const res = await c.post('/auth/mfa/verify', { factor: 'recovery-code', code });
    expect(res.status).toBe(status);
    expect(res.body.error).toBe(error);
    expect(typeof res.body.message).toBe('string');
    expect(await recovery.remaining('u-bob')).toBe(10);
  });

  it('a valid code in Unicode look-alikes is refused and the real code is not spent', async () => {
    const { c, code, recovery } = await pendingBob();
    for (const disguised of [
      fullwidth(code),
      cyrillic(code),
      fullwidth(code).replace(/-/g, '\uff0d'),
    ]) {
      if (disguised === code) continue; // no letter to disguise: odds (22/32)^25, about 1e-4
      const res = await c.post('/auth/mfa/verify', { factor: 'recovery-code', code: disguised });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('invalid_code');
    }
    expect(await recovery.remaining('u-bob')).toBe(10);
    expect((await c.verify(code, 'recovery-code')).status).toBe(200);
  });

  it('a code of another user does not work (codes are bound to the account)', async () => {
    const { c, recovery } = await pendingBob();
    const [alices] = await recovery.generate(undefined, 'u-alice');
    const res = await c.verify(alices ?? '', 'recovery-code');
    expect(res.status).toBe(401);
    expect(await recovery.remaining('u-alice')).toBe(10);
  });

  it('the regenerate endpoint ignores body junk and never 500s', async () => {
    const { app } = makeRecoveryApp();
    const c = await client(app);
    const proto = JSON.parse('{"__proto__":{"admin":true}}') as object;
    for (const body of [{ code: ['x'] }, { code: 'A'.repeat(10_000) }, proto]) {
      const res = await c.post('/auth/mfa/recovery-codes/regenerate', body);
      expect(res.status).toBe(401);
      expect(res.body.error).toBe('authentication_required');
    }
  });
});
