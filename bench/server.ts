/**
 * The server process of `npm run bench`: every app under load, each on its own loopback port,
 * in a process of its own so that autocannon (in the parent) does not share its event loop.
 *
 * env: BENCH_SESSION_REDIS, BENCH_MFA_REDIS (redis:// URLs of the two servers the parent
 * started), BENCH_PG_URL and BENCH_SQLITE_PATH (the credential databases, bench/databases.ts).
 * It tells the parent its ports over IPC, then serves until it is killed.
 *
 * Apps: `ours` (credentials on PostgreSQL, MFA state and sessions on Redis), `oursSqlite` (the
 * same with credentials on SQLite), `oursMemory` (everything in memory), `usual` and
 * `usualSqlite` (passport-local + passport-totp, keys in the same two databases),
 * `usualSameWork` (the same on PostgreSQL plus the round trips of replay, lockout and the
 * sessions list: usual-stack.ts, SameWork).
 *
 * Control port: `GET /counts`, the commands sent so far by the session-store client and the
 * MFA-store client (counted at the client, they are round trips: a Lua script is one, where
 * INFO commandstats also counts every command a script runs inside Redis) and the calls of the
 * credential stores (one query each); `GET /cpu`, the process's CPU time, so the parent can wait
 * until it is idle before a run; `POST /profile/start` and `/profile/stop`, a V8 CPU profile of
 * one measured load.
 */
import { createServer, type Server } from 'node:http';
import { Session } from 'node:inspector';
import type { AddressInfo } from 'node:net';
import { RedisStore as ConnectRedisStore } from 'connect-redis';
import express, { type Express } from 'express';
import { Redis } from 'ioredis';
import { hashPassword, MemoryStore, RedisStore } from '../lib/index.js';
import { BENCH_PASSWORD, bareApp, oursApp } from './apps.js';
import { openDatabases } from './databases.js';
import { usualApp } from './usual-stack.js';

export interface ServerPorts {
  readonly bare: number;
  readonly ours: number;
  readonly oursSqlite: number;
  readonly oursMemory: number;
  readonly usual: number;
  readonly usualSqlite: number;
  readonly usualSameWork: number;
  readonly control: number;
}

export interface ClientCounts {
  readonly session: number;
  readonly mfa: number;
  /** Calls of both credential stores (only one scenario runs at a time). */
  readonly credentials: number;
  readonly credentialsByMethod: Readonly<Record<string, number>>;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value)
    throw new Error(`bench/server.ts: ${name} is not set (start it through bench/run.ts)`);
  return value;
}

/** Count every command the client sends (one per round trip: no auto-pipelining here). */
function counted(client: Redis): () => number {
  let sent = 0;
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((...args: Parameters<Redis['sendCommand']>) => {
    sent++;
    return send(...args);
  }) as Redis['sendCommand'];
  return () => sent;
}

async function listen(app: Express): Promise<number> {
  const server: Server = createServer(app);
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function main(): Promise<void> {
  const sessionRedis = new Redis(required('BENCH_SESSION_REDIS'), { maxRetriesPerRequest: 1 });
  // As the README recommends for the MFA store: fail fast instead of queueing.
  const mfaRedis = new Redis(required('BENCH_MFA_REDIS'), {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
  });
  await Promise.all([
    sessionRedis.ping(),
    new Promise((resolve) => mfaRedis.once('ready', resolve)),
  ]);
  const sessionCount = counted(sessionRedis);
  const mfaCount = counted(mfaRedis);
  const passwordHash = await hashPassword(BENCH_PASSWORD);
  const dbs = await openDatabases(required('BENCH_PG_URL'), required('BENCH_SQLITE_PATH'));

  const control = express();
  control.get('/counts', (_req, res) => {
    const byMethod: Record<string, number> = { ...dbs.pg.byMethod() };
    for (const [name, n] of Object.entries(dbs.sqlite.byMethod()))
      byMethod[name] = (byMethod[name] ?? 0) + n;
    const counts: ClientCounts = {
      session: sessionCount(),
      mfa: mfaCount(),
      credentials: dbs.pg.calls() + dbs.sqlite.calls(),
      credentialsByMethod: byMethod,
    };
    res.json(counts);
  });
  // A V8 CPU profile of exactly one measured load (BENCH_CPU_PROF): started and stopped by the
  // parent around the load, so seeding and warm-up never show in it.
  const inspector = new Session();
  inspector.connect();
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) =>
      inspector.post(method, (err, result) => (err ? reject(err) : resolve(result))),
    );
  control.post('/profile/start', (_req, res, next) => {
    post('Profiler.enable')
      .then(() => post('Profiler.start'))
      .then(() => res.json({ ok: true }), next);
  });
  control.post('/profile/stop', (_req, res, next) => {
    post('Profiler.stop').then(
      (result) => res.json((result as { profile: unknown }).profile),
      next,
    );
  });
  // CPU time of the whole process (main thread and the libuv pool, where argon2id runs).
  control.get('/cpu', (_req, res) => {
    const { user, system } = process.cpuUsage();
    res.json({ micros: user + system, at: performance.now() });
  });

  const ports: ServerPorts = {
    bare: await listen(bareApp()),
    ours: await listen(
      oursApp({
        store: new RedisStore({ client: mfaRedis, prefix: 'stepup:' }),
        credentials: dbs.pg.store,
        sessionStore: new ConnectRedisStore({ client: sessionRedis, prefix: 'ours:sess:' }),
        passwordHash,
      }),
    ),
    oursSqlite: await listen(
      oursApp({
        store: new RedisStore({ client: mfaRedis, prefix: 'stepup-sqlite:' }),
        credentials: dbs.sqlite.store,
        sessionStore: new ConnectRedisStore({ client: sessionRedis, prefix: 'ours-sqlite:sess:' }),
        passwordHash,
      }),
    ),
    oursMemory: await listen(
      oursApp({
        store: new MemoryStore(),
        credentials: dbs.memory,
        sessionStore: undefined,
        passwordHash,
      }),
    ),
    usual: await listen(
      usualApp({
        sessionStore: new ConnectRedisStore({ client: sessionRedis, prefix: 'usual:sess:' }),
        keys: dbs.pgKeys,
        passwordHash,
      }),
    ),
    usualSqlite: await listen(
      usualApp({
        sessionStore: new ConnectRedisStore({ client: sessionRedis, prefix: 'usual-sqlite:sess:' }),
        keys: dbs.sqliteKeys,
        passwordHash,
      }),
    ),
    usualSameWork: await listen(
      usualApp({
        sessionStore: new ConnectRedisStore({ client: sessionRedis, prefix: 'usual-same:sess:' }),
        keys: dbs.pgKeys,
        passwordHash,
        sameWork: { redis: mfaRedis },
      }),
    ),
    control: await listen(control),
  };
  process.send?.({ type: 'ready', ports });
  // The parent owns this process: when it goes, so do we.
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((err: unknown) => {
  console.error('bench server failed to start:', err);
  process.exit(1);
});
