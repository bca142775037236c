/**
 * The guard alone: `stepup.middleware()` + `requireMfa()` on a real, satisfied Express request,
 * in nanoseconds per call, against the check every app already has (`req.isAuthenticated()`,
 * as connect-ensure-login does). A route of the memory-store app runs both loops inside one
 * request, so the objects are exactly what a guarded route sees: express-session's session,
 * Passport's user, our session record. Reported, not asserted.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { NextFunction, Request, Response } from 'express';
import { hashPassword, MemoryCredentialStore, MemoryStore, type Stepup } from '../lib/index.js';
import { BENCH_PASSWORD, ensureLoggedIn, oursApp } from './apps.js';
import { satisfiedSessions } from './seed.js';

export interface GuardTiming {
  readonly iterations: number;
  /** `middleware()` + `requireMfa()` per request. */
  readonly guardNs: number;
  /** `ensureLoggedIn` per request. */
  readonly plainNs: number;
}

function time(n: number, fn: () => void): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn();
  return Number(process.hrtime.bigint() - t0) / n;
}

export async function guardMicrobench(iterations = 200_000): Promise<GuardTiming> {
  const app = oursApp({
    store: new MemoryStore(),
    credentials: new MemoryCredentialStore(),
    sessionStore: undefined,
    passwordHash: await hashPassword(BENCH_PASSWORD),
  });
  const stepup = app.locals.stepup as Stepup;
  const mw = stepup.middleware();
  const guard = stepup.requireMfa();
  app.get('/bench/micro', (req: Request, res: Response) => {
    let passed = 0;
    const next: NextFunction = () => {
      passed++;
    };
    const guarded = () => {
      mw(req, res, () => guard(req, res, next));
    };
    const plain = () => ensureLoggedIn(req, res, next);
    // Warm-up until the JIT has settled, then alternate the two loops and keep the medians.
    time(iterations, guarded);
    time(iterations, plain);
    const g: number[] = [];
    const p: number[] = [];
    for (let round = 0; round < 5; round++) {
      g.push(time(iterations, guarded));
      p.push(time(iterations, plain));
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[2] ?? Number.NaN;
    if (passed !== iterations * 12) {
      res.status(500).json({ error: `the guard refused (${passed} of ${iterations * 12} passed)` });
      return;
    }
    res.json({ iterations, guardNs: med(g), plainNs: med(p) } satisfies GuardTiming);
  });
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const [cookie] = await satisfiedSessions(base, 'micro', 1);
    const res = await fetch(`${base}/bench/micro`, {
      headers: { cookie: cookie ?? '', accept: 'application/json' },
    });
    if (!res.ok) throw new Error(`bench/micro: ${res.status} ${await res.text()}`);
    return (await res.json()) as GuardTiming;
  } finally {
    server.closeAllConnections();
    server.close();
  }
}
