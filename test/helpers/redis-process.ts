/**
 * Process plumbing shared by the Redis test helpers (`redis-server.ts`, `redis-cluster.ts`):
 * find a binary on PATH, reserve free loopback ports, spawn a redis-server and wait until it
 * answers PING (polled against a deadline, never a sleep), stop it, and never leave one behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server } from 'node:net';
import { delimiter, join } from 'node:path';

export const HOST = '127.0.0.1';

/** Every process `spawnReady()` started and that has not exited yet. */
const live = new Set<ChildProcess>();

// Never leave a redis-server behind, even when the test process ends without stopping it.
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    for (const child of live) child.kill('SIGKILL');
    // Keep the default behaviour (terminate) unless someone else handles the signal.
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

/**
 * The absolute path of the executable `name` on PATH.
 * @param missing appended to "`name` is not on PATH" in the error thrown when it is not there
 *   (how to install it).
 */
export function findOnPath(name: string, missing: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error(`${name} is not on PATH${missing}`);
}

/** `n` distinct free loopback ports, all held open at once while they are chosen. */
export async function freePorts(n: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const server = createServer();
      server.listen(0, HOST);
      await once(server, 'listening');
      servers.push(server);
    }
    return servers.map((s) => (s.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/**
 * `start` with `n` free ports, and with `n` new ones (three tries in all) when its bind failed
 * because another process took a port between our probe and the bind.
 */
export async function onFreePorts<T>(
  n: number,
  start: (ports: number[]) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const ports = await freePorts(n);
    try {
      return await start(ports);
    } catch (err) {
      if (attempt >= 3 || !String(err).includes('Address already in use')) throw err;
    }
  }
}

export interface SpawnReadyOptions {
  /** The client port given in `args`; the process is ready when it answers PING there. */
  readonly port: number;
  /** Names the process in errors, e.g. `redis-server on port 6379`. */
  readonly label: string;
  /** How long to wait for the first +PONG before killing it and failing. */
  readonly deadlineMs: number;
}

/**
 * Spawn `bin args` and resolve once it answers PING on `options.port`. Rejects with the
 * process's last output when it exits first (e.g. "Address already in use"), or SIGKILLs it
 * and rejects when the deadline passes.
 */
export async function spawnReady(
  bin: string,
  args: readonly string[],
  { port, label, deadlineMs }: SpawnReadyOptions,
): Promise<ChildProcess> {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let output = '';
  const collect = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let spawnError: Error | undefined;
  child.on('error', (err) => (spawnError = err));
  child.on('exit', () => live.delete(child));

  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    if (spawnError || child.exitCode !== null || child.signalCode !== null) {
      live.delete(child);
      const why = spawnError?.message ?? output;
      throw new Error(`${label} did not start: ${why}`);
    }
    if ((await ping(port)) && child.exitCode === null) return child;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await terminate(child, 'SIGKILL');
  throw new Error(`${label} did not answer PING within ${deadlineMs} ms:\n${output}`);
}

/** One PING over a raw socket: true on +PONG (not on -LOADING or a refused connection). */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: HOST });
    let reply = '';
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.on('error', () => done(false));
  });
}

/** Send `signal` (SIGKILL after 5 s if it is still running) and wait for the exit. */
export async function terminate(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    live.delete(child);
    return;
  }
  const exited = once(child, 'exit');
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
  live.delete(child);
}
