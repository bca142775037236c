// Attack: users pick "password123" or their own username, which an online guesser tries first;
// or the policy itself breaks on odd input (arrays, lone surrogates) and lets a sign-up crash.
// The policy follows NIST SP 800-63B-4 §3.1.1.2: length in code points, no composition rules,
// a blocklist of common and context-specific words.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { checkPasswordPolicy, commonPasswordSet } from '../../lib/password/policy.js';

const reasonsOf = (password: unknown, context?: Parameters<typeof checkPasswordPolicy>[1]) => {
  const result = checkPasswordPolicy(password, context);
  return result.ok ? [] : result.reasons;
};

describe('checkPasswordPolicy: length', () => {
  it('accepts a 64-character passphrase with spaces and Unicode, no composition rules', () => {
    const passphrase = 'über den wolken muss die freiheit wohl grenzenlos sein ☁️ 雲の上で';
    const length = [...passphrase.normalize('NFKC')].length;
    expect(length).toBeGreaterThanOrEqual(60);
    const padded = passphrase + 'x'.repeat(64 - length);
    expect([...padded.normalize('NFKC')].length).toBe(64);
    expect(checkPasswordPolicy(padded)).toEqual({ ok: true });
    // Only lower-case letters and spaces: no rule asks for digits or symbols.
    expect(checkPasswordPolicy('plain lowercase words only here')).toEqual({ ok: true });
  });

  it('accepts exactly 8 and exactly 128 characters', () => {
    expect(checkPasswordPolicy('kq8#vmzt')).toEqual({ ok: true });
    expect(checkPasswordPolicy('kq8#vmzt'.repeat(16))).toEqual({ ok: true });
  });

  it('refuses 7 characters (too_short) and 129 (too_long), never truncating', () => {
    expect(reasonsOf('kq8#vmz')).toEqual(['too_short']);
    expect(reasonsOf('kq8#vmzt'.repeat(16) + 'x')).toEqual(['too_long']);
    expect(reasonsOf('')).toEqual(['too_short']);
    expect(reasonsOf('x'.repeat(1024 * 1024))).toEqual(['too_long']);
  });

  it('counts code points after NFKC, not UTF-16 units or bytes', () => {
    // 8 emoji are 16 UTF-16 units and 32 UTF-8 bytes, but 8 characters.
    expect(checkPasswordPolicy('🦊🐙🦉🐝🦋🐢🦀🐳')).toEqual({ ok: true });
    expect(reasonsOf('🦊🐙🦉🐝🦋🐢🦀')).toEqual(['too_short']);
    // 128 astral characters are 256 units: still within the limit.
    expect(checkPasswordPolicy('𝒜'.repeat(64) + '🦊'.repeat(64))).toEqual({ ok: true });
    // 'e' + combining accent (2 code points) composes to 'é' (1): 7 after NFKC.
    expect(reasonsOf('cafe\u0301abc')).toEqual(['too_short']);
    // The ligature 'ﬃ' (1) becomes 'ffi' (3) under NFKC: 8 after NFKC.
    expect(checkPasswordPolicy('\ufb03zqxjw')).toEqual({ ok: true });
  });

  it('honours minLength / maxLength and rejects nonsense options with a TypeError', () => {
    expect(reasonsOf('kq8#vmzt', { minLength: 15 })).toEqual(['too_short']);
    expect(checkPasswordPolicy('kq8#vmzt'.repeat(20), { maxLength: 256 })).toEqual({ ok: true });
    expect(() => checkPasswordPolicy('x', { minLength: 0 })).toThrow(TypeError);
    expect(() => checkPasswordPolicy('x', { minLength: 20, maxLength: 10 })).toThrow(TypeError);
    expect(() => checkPasswordPolicy('x', { maxLength: 10_000 })).toThrow(TypeError);
  });
});

describe('checkPasswordPolicy: blocklists', () => {
  it('uses a common-password list of at least 10,000 entries', () => {
    expect(commonPasswordSet().size).toBeGreaterThanOrEqual(10_000);
    expect(commonPasswordSet()).toBe(commonPasswordSet()); // built once
  });

  it('refuses common passwords, case-insensitively', () => {
    expect(reasonsOf('password123')).toEqual(['common']);
    expect(reasonsOf('PassWord123')).toEqual(['common']);
    expect(reasonsOf('iloveyou')).toEqual(['common']);
    expect(reasonsOf('123456')).toEqual(['too_short', 'common']);
  });

  it('refuses entries of the caller blocklist (context-specific words)', () => {
    expect(reasonsOf('acme-portal', { blocklist: ['Acme-Portal'] })).toEqual(['common']);
    expect(reasonsOf('acme-portal', { blocklist: new Set(['other']) })).toEqual([]);
  });

  it('refuses the username inside the password, case-insensitively', () => {
    expect(reasonsOf('my name is Alice.Smith!', { username: 'alice.smith' })).toEqual([
      'contains_username',
    ]);
    expect(reasonsOf('ALICESMITH2024', { username: 'AliceSmith' })).toEqual(['contains_username']);
    // Full-width letters are the same word after NFKC.
    expect(reasonsOf('ｂｏｂｂｙ tables forever', { username: 'bobby' })).toEqual([
      'contains_username',
    ]);
    // Very short usernames would refuse half the dictionary: ignored.
    expect(reasonsOf('aj staying strong', { username: 'aj' })).toEqual([]);
  });

  it('refuses the local part of the email inside the password', () => {
    const carol = { email: 'Carol.Jones@example.com' };
    expect(reasonsOf('carol.jones rocks!', carol)).toEqual(['contains_email']);
    // Sub-addressing: the part before `+` counts too.
    const dave = { email: 'dave+news@example.com' };
    expect(reasonsOf('dave is here again', dave)).toEqual(['contains_email']);
    expect(reasonsOf('example.com is fine', { email: 'zed@example.com' })).toEqual([]);
  });

  it('lists every reason that applies', () => {
    expect(reasonsOf('qzxv', { username: 'qzxv', email: 'qzxv@example.com' })).toEqual([
      'too_short',
      'contains_username',
      'contains_email',
    ]);
    const bob = reasonsOf('bob', { username: 'bob' });
    expect(bob).toEqual(['too_short', 'common', 'contains_username']);
  });
});

describe('checkPasswordPolicy: hostile input', () => {
  it("answers 'not_a_string' for anything but a string", () => {
    const values = [undefined, null, 12345678, ['password'], { toString: () => 'x' }, Symbol('s')];
    for (const value of values) {
      expect(checkPasswordPolicy(value)).toEqual({ ok: false, reasons: ['not_a_string'] });
    }
  });

  test.prop([fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ maxLength: 20 })])(
    'never throws on random strings (lone surrogates included), answers a well-formed result',
    (password, username) => {
      const result = checkPasswordPolicy(password, { username, email: `${username}@example.com` });
      if (!result.ok) expect(result.reasons.length).toBeGreaterThan(0);
    },
  );

  test.prop([fc.anything()])('never throws on arbitrary values', (value) => {
    const result = checkPasswordPolicy(value);
    expect(typeof result.ok).toBe('boolean');
  });
});
