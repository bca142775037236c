/**
 * Bearer tokens in the credential store (docs/architecture.md, invariant 22): found by digest
 * only, one user's list and deletes never reach another user's tokens, one digest is one row
 * (so two mints can never share a token), and every value comes back exactly as written.
 */
import { createHash } from 'node:crypto';
import { expect, it } from '../vitest-api.js';
import { type CredentialConformanceContext, T0 } from './conformance-fixtures.js';
import { CredentialConflictError } from './types.js';
import type { BearerTokenRecord } from './token-rows.js';

const digestOf = (s: string): string => createHash('sha256').update(s).digest('base64url');

function token(
  n: number,
  userId: string,
  over: Partial<BearerTokenRecord> = {},
): BearerTokenRecord {
  return {
    id: `tok-${n}`,
    userId,
    digest: digestOf(`secret-${n}`),
    kind: 'sign-in',
    label: null,
    aal: 2,
    amr: ['pwd', 'otp', 'mfa'],
    factors: ['totp'],
    authTime: T0 + n,
    createdAt: T0 + n,
    lastUsedAt: null,
    expiresAt: T0 + 8 * 3600_000,
    subject: JSON.stringify({ id: userId }),
    ...over,
  };
}

export function tokenTests(ctx: CredentialConformanceContext): void {
  it('tokens: found by digest with every field exact, listed per user, oldest first', async () => {
    const { store } = ctx;
    const pat = token(2, 'alice', {
      kind: 'personal',
      label: 'laptop ключ',
      aal: 2,
      amr: ['pwd', 'hwk', 'user', 'mfa'],
      factors: ['passkey', 'totp'],
      expiresAt: T0 + 90 * 86_400_000,
    });
    await store.createToken(token(1, 'alice'));
    await store.createToken(pat);
    await store.createToken(token(3, 'bob'));
    expect(await store.findToken(pat.digest)).toEqual(pat);
    expect((await store.listTokens('alice')).map((t) => t.id)).toEqual(['tok-1', 'tok-2']);
    expect((await store.listTokens('bob')).map((t) => t.id)).toEqual(['tok-3']);
    expect(await store.listTokens('carol')).toEqual([]);
    expect(await store.findToken(digestOf('never minted'))).toBeNull();
    // Not a digest at all (a URL, a token in clear): no row, no error.
    for (const bad of ['', 'x'.repeat(5000), 'psu_abc', '\u0000'.repeat(43)]) {
      expect(await store.findToken(bad)).toBeNull();
    }
  });

  it('tokens: one digest is one row; a second id or digest is a conflict', async () => {
    const { store } = ctx;
    await store.createToken(token(1, 'alice'));
    await expect(
      store.createToken(token(2, 'bob', { digest: digestOf('secret-1') })),
    ).rejects.toBeInstanceOf(CredentialConflictError);
    await expect(
      store.createToken(token(1, 'bob', { digest: digestOf('other') })),
    ).rejects.toBeInstanceOf(CredentialConflictError);
    expect(await store.listTokens('bob')).toEqual([]);
  });

  it('tokens: deletes stay within the user; all of a user at once', async () => {
    const { store } = ctx;
    for (let n = 1; n <= 3; n++) await store.createToken(token(n, 'alice'));
    await store.createToken(token(4, 'bob'));
    // Bob's id named by Alice: nothing happens.
    expect(await store.deleteTokens('alice', ['tok-4'])).toBe(0);
    expect(await store.findToken(digestOf('secret-4'))).not.toBeNull();
    expect(await store.deleteTokens('alice', ['tok-2', 'nope'])).toBe(1);
    expect(await store.findToken(digestOf('secret-2'))).toBeNull();
    expect(await store.deleteTokens('alice', [])).toBe(0);
    expect(await store.deleteTokens('alice')).toBe(2);
    expect(await store.listTokens('alice')).toEqual([]);
    expect(await store.listTokens('bob')).toHaveLength(1);
  });

  it('tokens: touch sets lastUsedAt; malformed records are a TypeError', async () => {
    const { store } = ctx;
    const t = token(1, 'alice');
    await store.createToken(t);
    await store.touchToken(t.digest, T0 + 5000);
    expect((await store.findToken(t.digest))?.lastUsedAt).toBe(T0 + 5000);
    await store.touchToken(digestOf('gone'), T0); // nothing to touch is fine
    const bad: Partial<BearerTokenRecord>[] = [
      { digest: 'not-a-digest' },
      { kind: 'forever' as never },
      { aal: 4 as never },
      { expiresAt: T0 },
      { amr: ['PWD WITH SPACES'] },
      { subject: 'x'.repeat(5000) },
      { userId: '' },
    ];
    for (const over of bad) {
      await expect(store.createToken(token(9, 'alice', over))).rejects.toThrow(TypeError);
    }
    expect(await store.listTokens('alice')).toHaveLength(1);
  });
}
