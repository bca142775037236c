// Attack: a fuzzer sends malformed WebAuthn responses (wrong types, huge strings, random bytes
// where CBOR, authenticator data or client data JSON belong, a valid response with one field
// replaced) to every passkey endpoint, hunting for a 500 from a parser deep inside or, worse,
// a grant. Every answer must be a 4xx (docs/architecture.md, invariant 8).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { client } from '../helpers/app.js';
import { aliceWithPasskey, makePasskeyApp, type Client } from '../helpers/passkey-app.js';
import { cbor, SoftAuthenticator } from '../helpers/soft-authenticator.js';

const RUNS = 40;
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const randomB64 = fc.uint8Array({ maxLength: 300 }).map(b64);
const b64ish = fc.oneof(randomB64, fc.string({ maxLength: 40 }), fc.constant(''));
const clientData = fc
  .record({
    type: fc.oneof(fc.constant('webauthn.get'), fc.constant('webauthn.create'), fc.string()),
    challenge: b64ish,
    origin: fc.oneof(fc.constant('http://localhost:3000'), fc.webUrl()),
  })
  .map((o) => b64(Buffer.from(JSON.stringify(o))));
const cborish = fc
  .dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.integer(), fc.string({ maxLength: 20 })))
  .map((d) => b64(cbor({ fmt: 'none', attStmt: {}, ...d })));

/** A valid-looking response whose parts are random, or one valid field replaced by anything. */
function responses(valid: () => Record<string, unknown>) {
  const structured = fc.record({
    id: b64ish,
    rawId: b64ish,
    type: fc.oneof(fc.constant('public-key'), fc.anything()),
    response: fc.record({
      clientDataJSON: fc.oneof(clientData, b64ish),
      authenticatorData: b64ish,
      attestationObject: fc.oneof(cborish, b64ish),
      signature: b64ish,
      userHandle: fc.oneof(b64ish, fc.constant(null)),
    }),
  });
  const oneFieldOff = fc
    .tuple(
      fc.constantFrom('id', 'rawId', 'type', 'response', 'clientExtensionResults'),
      fc.anything(),
    )
    .map(([key, value]) => ({ ...valid(), [key]: value }));
  const innerOff = fc
    .tuple(
      fc.constantFrom(
        'clientDataJSON',
        'authenticatorData',
        'signature',
        'attestationObject',
        'userHandle',
      ),
      fc.oneof(fc.anything(), randomB64, fc.string({ minLength: 5000, maxLength: 5000 })),
    )
    .map(([key, value]) => {
      const v = valid();
      return { ...v, response: { ...(v.response as object), [key]: value } };
    });
  return fc.oneof(structured, oneFieldOff, innerOff, fc.anything());
}

async function expect4xx(res: { status: number; body: unknown }, label: string) {
  expect(res.status, `${label}: ${JSON.stringify(res.body)}`).toBeGreaterThanOrEqual(400);
  expect(res.status, label).toBeLessThan(500);
}

describe('passkey endpoints under fuzzed bodies: 4xx, never 500, never a grant', () => {
  it('POST /auth/mfa/verify {factor:"passkey", response}', { timeout: 120_000 }, async () => {
    const { app } = makePasskeyApp({ stepup: { lockout: { maxFailures: 100 } } });
    const { auth } = await aliceWithPasskey(app);
    const c = await client(app);
    await c.login('alice', 'alice-password-1');
    let options: { challenge: string } = { challenge: '' };
    const valid = () => auth.get(options) as unknown as Record<string, unknown>;
    await fc.assert(
      fc.asyncProperty(responses(valid), async (response) => {
        options = (await c.post('/auth/mfa/passkeys/authenticate/options')).body;
        await expect4xx(
          await c.post('/auth/mfa/verify', { factor: 'passkey', response }),
          'verify',
        );
      }),
      { numRuns: RUNS },
    );
    expect((await c.get('/auth/session')).body.status).toBe('pending');
  });

  it(
    'POST /auth/mfa/passkeys/register/verify {response, label}',
    { timeout: 120_000 },
    async () => {
      const { app, stepup } = makePasskeyApp();
      const c: Client = await client(app);
      await c.login('alice', 'alice-password-1');
      const auth = new SoftAuthenticator();
      let options: Parameters<SoftAuthenticator['create']>[0] = {
        challenge: '',
        rp: {},
        user: { id: 'AA' },
      };
      const valid = () => auth.create(options) as unknown as Record<string, unknown>;
      await fc.assert(
        fc.asyncProperty(responses(valid), fc.anything(), async (response, label) => {
          options = (await c.post('/auth/mfa/passkeys/register/options')).body;
          const res = await c.post('/auth/mfa/passkeys/register/verify', { response, label });
          await expect4xx(res, 'register');
        }),
        { numRuns: RUNS },
      );
      expect(await stepup.credentials.list('u-alice', 'passkey')).toEqual([]);
    },
  );

  it('POST /auth/passkey/login {response}', { timeout: 120_000 }, async () => {
    const { app } = makePasskeyApp({
      password: undefined,
      trustProxy: true,
    });
    const { auth } = await aliceWithPasskey(app);
    const c = await client(app);
    let options: { challenge: string } = { challenge: '' };
    const valid = () => auth.get(options) as unknown as Record<string, unknown>;
    let n = 0;
    await fc.assert(
      fc.asyncProperty(responses(valid), async (response) => {
        options = (await c.post('/auth/passkey/options')).body;
        // A new address now and then, so the throttle does not answer every request.
        const res = await c.agent
          .post('/auth/passkey/login')
          .set('x-csrf-token', c.csrf)
          .set('X-Forwarded-For', `127.0.${Math.floor(n++ / 5)}.1`)
          .set('Accept', 'application/json')
          .send({ response });
        await expect4xx(res, 'login');
      }),
      { numRuns: RUNS },
    );
    expect((await c.get('/auth/session')).body.status).toBe('anonymous');
  });
});
