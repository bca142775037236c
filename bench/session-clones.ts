/**
 * Bench-only: give one signed-in user many sessions without signing in many times, so that
 * `GET /auth/sessions` can be measured at 1, 100 and 1,000 sessions of one user (docs/performance.md,
 * "The sessions list"; docs/architecture.md, "Performance"). `POST /bench/clone-sessions/:count`, with
 * the cookie of a satisfied session, copies that session `count` times under new session ids,
 * each with its own handle, and puts each copy on the user's sessions list exactly as a sign-in
 * would (one entry per login in the per-user index of lib/core/session-index.ts).
 *
 * The copies are written straight into the session store and the MfaStore: a user who gathered
 * that many sessions before any pruning existed (a CLI signing in every few hours) has the same
 * index. Never part of a measurement: scenarios call it in `prepare`.
 */
import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { newSessionHandle } from '../lib/core/session-index.js';
import { SESSION_KEY } from '../lib/core/session-state.js';
import type { MfaStore } from '../lib/index.js';
import { storeKey } from '../lib/stores/types.js';
import { mapLimit } from './seed.js';

/** The index's own TTL (lib/core/session-index.ts): a year. */
const INDEX_TTL_MS = 365 * 24 * 3600 * 1000;
const MAX_CLONES = 10_000;

interface StoreWithSet {
  set(sid: string, session: unknown, cb: (err?: unknown) => void): void;
}

export function cloneSessionsRoute(store: MfaStore) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const count = Number(req.params.count);
    const data = JSON.parse(JSON.stringify(req.session ?? {})) as Record<string, unknown>;
    const record = data[SESSION_KEY] as { userId?: string; authTime?: number } | undefined;
    const sessions = (req as unknown as { sessionStore?: StoreWithSet }).sessionStore;
    if (!Number.isSafeInteger(count) || count < 0 || count > MAX_CLONES || !record?.userId) {
      res.status(400).json({ error: 'a signed-in session and 0 ≤ count ≤ 10000' });
      return;
    }
    if (!sessions) throw new Error('bench: no session store on the request');
    const userId = record.userId;
    const authTime = record.authTime ?? Date.now();
    const clones = Array.from({ length: count }, (_, i) => i);
    mapLimit(clones, 32, async (i) => {
      const sid = randomBytes(24).toString('base64url');
      const handle = newSessionHandle();
      const copy = { ...data, [SESSION_KEY]: { ...record, handle, sid } };
      await new Promise<void>((resolve, reject) =>
        sessions.set(sid, copy, (err) => (err ? reject(err) : resolve())),
      );
      // Older than the real session, one millisecond apart: the real one lists first.
      const entry = { sid, createdAt: authTime - 1 - i, ip: '127.0.0.1', label: 'bench' };
      await store.hashSet(
        storeKey(userId, 'sessions'),
        handle,
        JSON.stringify(entry),
        INDEX_TTL_MS,
      );
    }).then(() => res.json({ cloned: count }), next);
  };
}
