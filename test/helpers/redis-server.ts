/**
 * A real redis-server for tests, on a free loopback port, ready when it answers PING.
 *
 * `REDIS_URL=redis://host:port` makes the tests use that server instead. It is shared with
 * others, so the helper never flushes, stops, kills or restarts it: `stop()` only closes the
 * clients it made, and `kill()`/`restart()` throw. Fault-injection tests pass `{ owned: true }`
 * to spawn a server of their own whatever REDIS_URL says.
 */
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { findOnPath, HOST, onFreePorts, spawnReady, terminate } from './redis-process.js';

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

  const bin = findOnPath(
    'redis-server',
    '. Install it: `apt-get install -y redis-server` (Debian/Ubuntu) ' +
      'or `brew install redis` (macOS), ' +
      'or set REDIS_URL=redis://host:port to use a running server.',
  );
  const [port, started] = await onFreePorts(1, async ([free = 0]) => {
    return [free, await spawnServer(bin, free)] as const;
  });
  let child: ChildProcess | undefined = started;
  const url = `redis://${HOST}:${port}`;
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
      child = await spawnServer(bin, port);
    },
    client: () => makeClient(url),
  };
}

/** Spawn a standalone, non-persistent redis-server and resolve once it answers PING. */
function spawnServer(bin: string, port: number): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no'];
  return spawnReady(bin, args, {
    port,
    label: `redis-server on port ${port}`,
    deadlineMs: READY_DEADLINE_MS,
  });
}
