// Attack and cost: a verify whose session write fails must not answer 200 (a client that was
// told "signed in" while the store holds nothing, or an old state); and a verify writes the
// session once. Passport's req.login() saves the regenerated session, the library saved its
// record again, and express-session wrote it a third time at the end of the response: three
// round trips to the session store for one state change. Now: the old session destroyed, one
// write, and that write's failure is a 503 (docs/architecture.md, invariant 3).
import express from 'express';
import session from 'express-session';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { saveSession } from '../../lib/core/session-state.js';
import { client } from '../helpers/app.js';
import { codeAt, enrolledClient, makeTotpApp } from '../helpers/totp-app.js';

/** express-session's memory store, counting writes and destroys, with a switch to fail writes. */
class CountingStore extends session.MemoryStore {
  sets = 0;
  destroys = 0;
  failWrites = false;
  override set(sid: string, data: session.SessionData, cb?: (err?: unknown) => void): void {
    this.sets++;
    if (this.failWrites) {
      cb?.(new Error('session store down'));
      return;
    }
    super.set(sid, data, cb);
  }
  override destroy(sid: string, cb?: (err?: unknown) => void): void {
    this.destroys++;
    super.destroy(sid, cb);
  }
}

describe('session writes of a sign-in', () => {
  it('a TOTP verify destroys the old session and writes the new one once', async () => {
    const sessionStore = new CountingStore();
    const { app, clock } = makeTotpApp({ sessionStore });
    const { secret } = await enrolledClient(app, clock.now);
    clock.advance(60_000);
    const c = await client(app);
    sessionStore.sets = 0;
    sessionStore.destroys = 0;
    expect((await c.login('alice', 'alice-password-1')).body.status).toBe('mfa_required');
    expect({ sets: sessionStore.sets, destroys: sessionStore.destroys }).toEqual({
      sets: 1,
      destroys: 1,
    });

    sessionStore.sets = 0;
    sessionStore.destroys = 0;
    const verify = await c.verify(await codeAt(secret, clock.now()), 'totp');
    expect(verify.status).toBe(200);
    expect({ sets: sessionStore.sets, destroys: sessionStore.destroys }).toEqual({
      sets: 1,
      destroys: 1,
    });
    // What was written once is the whole new state: the guarded route opens on the next request.
    expect((await c.get('/reports')).status).toBe(200);
  });

  it('a change made after the save is still written at the end of the response', async () => {
    const sessionStore = new CountingStore();
    const app = express();
    app.use(
      session({
        secret: 'test-secret-test-secret',
        resave: false,
        saveUninitialized: false,
        store: sessionStore,
      }),
    );
    app.post('/change', (req, res, next) => {
      req.session.regenerate(() => {
        const bag = req.session as unknown as Record<string, unknown>;
        bag.first = 1;
        saveSession(req).then(() => {
          bag.later = 2; // after the save: must still reach the store
          res.json({ id: req.sessionID });
        }, next);
      });
    });
    const res = await request(app).post('/change').expect(200);
    const stored = await new Promise<unknown>((resolve) =>
      sessionStore.get(res.body.id as string, (_err, data) => resolve(data)),
    );
    expect(stored).toMatchObject({ first: 1, later: 2 });
    expect(sessionStore.sets).toBe(2);
  });

  it('a failed session write answers 503, never 200, and opens nothing', async () => {
    const sessionStore = new CountingStore();
    const { app, clock } = makeTotpApp({ sessionStore });
    const { secret } = await enrolledClient(app, clock.now);
    clock.advance(60_000);
    const c = await client(app);
    await c.login('alice', 'alice-password-1');
    sessionStore.failWrites = true;
    const verify = await c.verify(await codeAt(secret, clock.now()), 'totp');
    expect(verify.status).toBe(503);
    sessionStore.failWrites = false;
    expect((await c.get('/reports')).status).toBe(401);
    expect((await c.get('/me')).status).toBe(401);
  });
});
