// Story: alice enrols an authenticator in the demo, the demo restarts (a deploy, a crash), and she
// must still be asked for her code: enrolled factors live in the demo's SQLite file, not in the
// process. The seed runs at every start but creates bob's and carol's factors only once, and the
// file holds ciphertext and digests, never a secret or a recovery code.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTotp } from '../../lib/index.js';
import { createExampleApp, type ExampleApp } from '../app.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stepup-demo-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const start = (file: string) =>
  createExampleApp(
    {
      SESSION_SECRET: 'restart-test-session-secret-0123456789abcdef',
      MFA_ENCRYPTION_KEY: Buffer.alloc(32, 4).toString('base64'),
      DATABASE_URL: `sqlite:${file}`,
    },
    { printMail: false },
  );

async function signIn(example: ExampleApp) {
  const agent = request.agent(example.app);
  let csrf = ((await agent.get('/auth/csrf').expect(200)).body as { csrfToken: string }).csrfToken;
  const post = async (path: string, body: object = {}) => {
    const res = await agent.post(path).set('x-csrf-token', csrf).send(body);
    if (typeof res.body?.csrfToken === 'string') csrf = res.body.csrfToken as string;
    return res;
  };
  const login = await post('/auth/login', { username: 'alice', password: 'alice-password-1' });
  return { agent, post, login };
}

describe('the demo keeps enrolled factors across a restart (SQLite)', () => {
  it("alice's authenticator, its replay marker and bob's seed survive; nothing secret in the file", async () => {
    const file = join(dir, 'nested', 'demo.sqlite');
    const first = await start(file);
    expect(first.demo.seeded).toBe(true);
    expect(first.demo.bob.recoveryCodes).toHaveLength(10);
    const bobSecret = first.demo.bob.secret ?? '';
    expect(bobSecret).toMatch(/^[A-Z2-7]{32}$/);

    const alice = await signIn(first);
    expect(alice.login.body.status).toBe('authenticated'); // no factor yet
    const enroll = await alice.post('/auth/mfa/totp/enroll');
    expect(enroll.status).toBe(200);
    const secret = enroll.body.secret as string;
    const code = await generateTotp({ secret, now: Date.now() });
    const confirm = await alice.post('/auth/mfa/totp/confirm', { code, label: 'Phone' });
    expect(confirm.status).toBe(200);
    const aliceCodes = confirm.body.recoveryCodes as string[];
    await first.close();

    const second = await start(file);
    try {
      expect(second.demo.seeded).toBe(false);
      expect(second.demo.bob.recoveryCodes).toEqual([]);
      expect(second.demo.bob.secret).toBeUndefined();
      expect(second.demo.bob.recoveryCodesLeft).toBe(10);
      expect(await second.stepup.credentials.list('bob', 'totp')).toHaveLength(1);

      const again = await signIn(second);
      expect(again.login.body).toMatchObject({
        status: 'mfa_required',
        factors: expect.arrayContaining(['totp', 'recovery-code']),
      });
      // The code used to confirm is spent, also after the restart (RFC 6238 §5.2).
      expect((await again.post('/auth/mfa/verify', { factor: 'totp', code })).status).toBe(401);
      const next = await generateTotp({ secret, now: Date.now() + 30_000 });
      const verify = await again.post('/auth/mfa/verify', { factor: 'totp', code: next });
      expect(verify.body).toMatchObject({ status: 'authenticated' });
      const factors = await again.agent.get('/auth/mfa/factors').expect(200);
      expect(factors.body.factors).toContainEqual(
        expect.objectContaining({ type: 'totp', label: 'Phone' }),
      );
    } finally {
      await second.close();
    }

    const bytes = readFileSync(file)
      .toString('latin1')
      .replace(/[^A-Za-z0-9]/g, '');
    const flat = bytes.toUpperCase();
    expect(flat).toContain('ALICE');
    for (const plain of [secret, bobSecret, ...aliceCodes]) {
      expect(flat).not.toContain(plain.replace(/[^A-Za-z0-9]/g, '').toUpperCase());
    }
  });
});
