/**
 * A real redis-server for tests, on a free loopback port, ready when it answers PING.
 *
 * `REDIS_URL=redis://host:port` makes the tests use that server instead. It is shared with
 * others, so the helper never flushes, stops, kills or restarts it: `stop()` only closes the
 * clients it made, and `kill()`/`restart()` throw. Fault-injection tests pass `{ owned: true }`
 * to spawn a server of their own whatever REDIS_URL says.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants } from 'node:fs';
import { type AddressInfo, connect, createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { Redis } from 'ioredis';

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  /** True when REDIS_URL is set: the server is not ours, `kill()` and `restart()` throw. */
  readonly external: boolean;
  /** Stop the server (SIGTERM, then SIGKILL) and disconnect every `client()`. */
  stop(): Promise<void>;
  /** SIGKILL the server: an outage, as abrupt as a crashed host. */
  kill(): Promise<void>;
  /** Start it again on the same port, so existing clients can reconnect. */
  restart(): Promise<void>;
  /** A new ioredis client on this server, closed by `stop()`. */
  client(): Redis;
}

const READY_DEADLINE_MS = 10_000;
const live = new Set<ChildProcess>();

// Never leave a redis-server behind, even when the test process ends without calling stop().
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

export interface StartRedisOptions {
  /**
   * Spawn a server of our own even when REDIS_URL is set. Fault-injection tests need one they
   * can kill and restart; they never skip themselves.
   */
  readonly owned?: boolean;
}

export async function startRedis(options: StartRedisOptions = {}): Promise<RedisServer> {
  const clients = new Set<Redis>();
  const makeClient = (url: string): Redis => {
    const client = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => 100 });
    client.on('error', () => undefined); // outages are expected in fault tests
    clients.add(client);
    return client;
  };
  const closeClients = (): void => {
    for (const client of clients) client.disconnect();
    clients.clear();
  };

  const external = options.owned ? undefined : process.env.REDIS_URL;
  if (external) {
    const probe = makeClient(external);
    await probe.ping().catch((err: unknown) => {
      closeClients();
      throw new Error(`REDIS_URL=${external} does not answer PING`, { cause: err });
    });
    const notOurs = async (): Promise<never> => {
      throw new Error(
        'REDIS_URL is set: the tests do not own that server and will not kill or restart it. ' +
          'Fault-injection tests skip themselves when `external` is true; ' +
          'unset REDIS_URL to run them.',
      );
    };
    return {
      url: external,
      port: Number(new URL(external).port || 6379),
      external: true,
      stop: async () => closeClients(),
      kill: notOurs,
      restart: notOurs,
      client: () => makeClient(external),
    };
  }

  const bin = findOnPath('redis-server');
  let port = 0;
  let child: ChildProcess | undefined;
  for (let attempt = 1; !child; attempt++) {
    port = await freePort();
    try {
      child = await spawnReady(bin, port);
    } catch (err) {
      // Another process may take the port between our probe and redis-server's bind.
      if (attempt >= 3 || !String(err).includes('Address already in use')) throw err;
    }
  }
  const url = `redis://127.0.0.1:${port}`;
  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const running = child;
    child = undefined;
    if (running) await terminate(running, signal);
  };
  return {
    url,
    port,
    external: false,
    stop: async () => {
      closeClients();
      await halt('SIGTERM');
    },
    kill: () => halt('SIGKILL'),
    restart: async () => {
      await halt('SIGTERM');
      child = await spawnReady(bin, port);
    },
    client: () => makeClient(url),
  };
}

function findOnPath(name: string): string {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  throw new Error(
    `${name} is not on PATH. Install it: \`apt-get install -y redis-server\` (Debian/Ubuntu) ` +
      'or `brew install redis` (macOS), ' +
      'or set REDIS_URL=redis://host:port to use a running server.',
  );
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Spawn redis-server and resolve once it answers PING (polled against a deadline, no sleep). */
async function spawnReady(bin: string, port: number): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
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

  const deadline = Date.now() + READY_DEADLINE_MS;
  while (Date.now() < deadline) {
    if (spawnError || child.exitCode !== null || child.signalCode !== null) {
      live.delete(child);
      const why = spawnError?.message ?? output;
      throw new Error(`redis-server on port ${port} did not start: ${why}`);
    }
    if ((await ping(port)) && child.exitCode === null) return child;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await terminate(child, 'SIGKILL');
  throw new Error(
    `redis-server on port ${port} did not answer PING within ${READY_DEADLINE_MS} ms:\n${output}`,
  );
}

/** One PING over a raw socket: true on +PONG (not on -LOADING or a refused connection). */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
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

async function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
  live.delete(child);
}
