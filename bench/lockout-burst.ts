/**
 * `npx tsx bench/lockout-burst.ts [N]`: the attack of docs/architecture.md's invariant 19 against
 * the example app, over real HTTP on a real Redis. bob signs in with his password (he has TOTP),
 * then N wrong codes (default 300) are sent at once to `POST /auth/mfa/verify` on one pending
 * login. Prints how many were compared (answered `401 invalid_code`), refused without a
 * comparison (`429`/`423`), and how many "too many wrong codes" mails the development outbox got.
 * Measured, not asserted: the assertion lives in test/core/lockout.parallel.test.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createExampleApp } from '../example-app/app.js';
import { startRedis } from '../test/helpers/redis-server.js';

const N = Number(process.argv[2] ?? 300);
const redis = await startRedis();
const dir = mkdtempSync(join(tmpdir(), 'lockout-burst-'));
const example = await createExampleApp(
  {
    REDIS_URL: redis.url,
    DATABASE_URL: process.env.DATABASE_URL ?? `sqlite:${join(dir, 'demo.db')}`,
    PORT: '0',
  },
  { printMail: false },
);
const server = createServer(example.app).listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

let cookie = '';
let csrf = '';
async function call(path: string, body?: object): Promise<{ status: number; body: unknown }> {
  const res = await fetch(base + path, {
    method: body ? 'POST' : 'GET',
    headers: {
      accept: 'application/json',
      'content-type': 'application/json',
      ...(cookie ? { cookie } : {}),
      ...(csrf ? { 'x-csrf-token': csrf } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const set = res.headers.getSetCookie().map((c) => c.split(';')[0]);
  if (set.length) cookie = set.join('; ');
  const json = (await res.json().catch(() => ({}))) as { csrfToken?: string };
  if (json.csrfToken) csrf = json.csrfToken;
  return { status: res.status, body: json };
}

try {
  await call('/auth/csrf');
  const login = await call('/auth/login', { username: 'bob', password: 'bob-password-1' });
  if ((login.body as { status?: string }).status !== 'mfa_required') {
    throw new Error(`bob's login: ${JSON.stringify(login.body)}`);
  }
  const mailsBefore = example.mail.outbox()?.length ?? 0;
  const started = performance.now();
  const answers = await Promise.all(
    Array.from({ length: N }, (_, i) =>
      call('/auth/mfa/verify', { factor: 'totp', code: String(100000 + (i % 900000)) }),
    ),
  );
  const ms = performance.now() - started;
  const statuses: Record<string, number> = {};
  for (const a of answers) {
    const key = `${a.status} ${(a.body as { error?: string }).error ?? ''}`.trim();
    statuses[key] = (statuses[key] ?? 0) + 1;
  }
  await new Promise((resolve) => setTimeout(resolve, 200)); // notices are sent after answering
  const mails = (example.mail.outbox() ?? [])
    .slice(0, (example.mail.outbox()?.length ?? 0) - mailsBefore)
    .filter((m) => /too many wrong codes/i.test(m.subject)).length;
  console.log(
    `${N} wrong codes at once on one pending login, over HTTP, on Redis (${ms.toFixed(0)} ms):`,
  );
  console.log(`  answers: ${JSON.stringify(statuses)}`);
  console.log(`  compared (401 invalid_code): ${statuses['401 invalid_code'] ?? 0}`);
  console.log(`  lockout mails: ${mails}`);
} finally {
  server.close();
  await example.close();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
