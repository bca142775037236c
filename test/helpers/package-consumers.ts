/**
 * The consumer projects of test/project/package.exports.test.ts: the code a stranger's CommonJS and
 * strict ESM TypeScript projects run or type-check against the packed tarball.
 */

export const CJS_CHECK = String.raw`
'use strict';
const assert = require('node:assert/strict');
const m = require('passport-stepup');
for (const name of ['createStepup', 'MemoryStore', 'safeReturnTo', 'StepupError', 'isBackendUnavailable']) {
  assert.equal(typeof m[name], 'function', name + ' is not a function in the CommonJS build');
}
const { RedisStore } = require('passport-stepup/stores/redis');
assert.equal(typeof RedisStore, 'function', 'RedisStore is not a function');
const { sqlCredentialStore } = require('passport-stepup/stores/sql');
assert.equal(typeof sqlCredentialStore, 'function', 'sqlCredentialStore is not a function');
assert.match(require.resolve('passport-stepup'), /[\\/]dist[\\/]index\.cjs$/);
assert.match(require.resolve('passport-stepup/testing'), /[\\/]dist[\\/]testing\.cjs$/);
// vitest is an optional peer and not installed here: ./testing says to install it.
assert.throws(() => require('passport-stepup/testing'), {
  code: 'PASSPORT_STEPUP_VITEST_MISSING',
  message: /npm install --save-dev vitest/,
});
assert.equal(require('passport-stepup/package.json').name, 'passport-stepup');
// Not in the exports map: deep imports stay private.
assert.throws(() => require('passport-stepup/dist/index.cjs'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });

(async () => {
  const stepup = m.createStepup({ store: new m.MemoryStore() });
  assert.equal(typeof stepup.middleware(), 'function');
  assert.equal(typeof stepup.requireMfa({ maxAge: 300 }), 'function');
  assert.equal(m.safeReturnTo('//evil.example/x', '/home'), '/home');
  // One StoreUnavailableError class across entry points, so isBackendUnavailable() from the main
  // entry recognises an outage reported by the Redis store (503, not 500).
  const store = new RedisStore({ url: 'redis://127.0.0.1:1', commandTimeoutMs: 300 });
  const err = await store.get('k').then(() => null, (e) => e);
  await store.close();
  assert.ok(err instanceof m.StoreUnavailableError, 'not the main entry StoreUnavailableError: ' + err);
  assert.equal(m.isBackendUnavailable(err), true);
  console.log('cjs ok');
  process.exit(0);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
`;

export const ESM_MAIN_TS = `
import express, { type Request, type Response } from 'express';
import {
  createStepup,
  MemoryStore,
  type MfaStore,
  type MfaView,
  type Stepup,
  type StepupOptions,
} from 'passport-stepup';
import { RedisStore } from 'passport-stepup/stores/redis';

const options: StepupOptions = { mode: 'required', store: new MemoryStore(), challengeUrl: '/mfa' };
const stepup: Stepup = createStepup(options);

export const app = express();
app.use(stepup.middleware());
app.get('/payout', stepup.requireMfa({ maxAge: 300, allowRememberBrowser: false }), (req: Request, res: Response) => {
  // The Express augmentation ships with the package: req.mfa is typed, not any.
  const view: MfaView | undefined = req.mfa;
  const status: MfaView['status'] | undefined = view?.status;
  res.json({ status, amr: view?.amr.join(' ') });
});

export const redisStore = (url: string): MfaStore => new RedisStore({ url, prefix: 'app:' });

// @ts-expect-error the status is a closed union, not string or any
export const bogus: MfaView['status'] = 'bogus';
// @ts-expect-error mode is 'optional' | 'required'
export const wrongMode: StepupOptions = { mode: 'sometimes' };
`;

// A .cts file in the same project: \`require\` resolution, so the .d.cts files get checked too.
export const CTS_CHECK = `
import stepup = require('passport-stepup');
import redis = require('passport-stepup/stores/redis');

const instance: stepup.Stepup = stepup.createStepup({ mode: 'optional' });
const makeStore = (url: string): stepup.MfaStore => new redis.RedisStore({ url });
const view = (v: stepup.MfaView): stepup.MfaView['status'] => v.status;
export = { instance, makeStore, view };
`;

export const ESM_RUN = `
import assert from 'node:assert/strict';
import * as m from 'passport-stepup';
import { RedisStore } from 'passport-stepup/stores/redis';
import { sqlCredentialStore } from 'passport-stepup/stores/sql';

assert.equal(typeof sqlCredentialStore, 'function');
for (const name of ['createStepup', 'MemoryStore', 'safeReturnTo', 'StepupError']) {
  assert.equal(typeof m[name], 'function', name + ' is not a function in the ESM build');
}
assert.equal(typeof RedisStore, 'function');
assert.match(import.meta.resolve('passport-stepup'), /\\/dist\\/index\\.js$/);
assert.match(import.meta.resolve('passport-stepup/stores/redis'), /\\/dist\\/stores\\/redis\\.js$/);

const stepup = m.createStepup({ store: new m.MemoryStore() });
assert.equal(typeof stepup.middleware(), 'function');

const store = new RedisStore({ url: 'redis://127.0.0.1:1', commandTimeoutMs: 300 });
const err = await store.get('k').then(() => null, (e) => e);
await store.close();
assert.ok(err instanceof m.StoreUnavailableError, 'RedisStore error is not the main entry StoreUnavailableError');

// vitest is an optional peer: ./testing needs it, is not bundled in, and says to install it.
await assert.rejects(
  import('passport-stepup/testing'),
  (e) => e.code === 'PASSPORT_STEPUP_VITEST_MISSING' && /npm install --save-dev vitest/.test(e.message),
);

console.log('esm ok');
process.exit(0);
`;

export const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    // Check our published .d.ts/.d.cts too, not only the consumer's code.
    skipLibCheck: false,
    types: ['node'],
  },
  files: ['main.ts', 'require-check.cts'],
};
