/**
 * A real 3-master Redis Cluster for tests, on free loopback ports, ready when every node says
 * `cluster_state:ok` and knows all 16,384 slots (polled against a deadline, never a sleep).
 *
 * Each node is `redis-server --cluster-enabled yes` with its config, port and bus port in a
 * temporary directory; `redis-cli --cluster create … --cluster-replicas 0 --cluster-yes` joins
 * them. `stop()` disconnects the clients it made, stops the servers and removes the directory;
 * a process `exit` handler does the same if a test run ends without calling it.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { Cluster, type ClusterOptions, Redis } from 'ioredis';

export interface ClusterNode {
  readonly host: string;
  readonly port: number;
}

export interface RedisCluster {
  /** The three masters (client ports). */
  readonly nodes: readonly ClusterNode[];
  /**
   * A new ioredis Cluster client, closed by `stop()`. Defaults are the options the README
   * recommends for `RedisStore` (no offline queue, one retry); `options` override them.
   */
  client(options?: ClusterOptions): Cluster;
  /** A plain client on one node (for `CLUSTER KEYSLOT`, `CLUSTER INFO`), closed by `stop()`. */
  nodeClient(index?: number): Redis;
  /** Disconnect every client, stop the three servers, remove the temporary directory. */
  stop(): Promise<void>;
}

const HOST = '127.0.0.1';
const MASTERS = 3;
const READY_DEADLINE_MS = 20_000;
const live = new Set<ChildProcess>();
const dirs = new Set<string>();

// Never leave a redis-server or a temporary directory behind.
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The ioredis Cluster options that work with RedisStore (see the README, "Redis Cluster"). */
export const RECOMMENDED_CLUSTER_OPTIONS: ClusterOptions = {
  // Fail fast while the cluster is unreachable instead of queueing a write that lands late.
  enableOfflineQueue: false,
  // Every key of one user is on one master; reads from replicas could see a stale "unused" code.
  scaleReads: 'master',
  // Per-node connections: keep their offline queue (they are created lazily, on the first
  // command routed to them), but give up after one retry so an outage fails closed quickly.
  redisOptions: { maxRetriesPerRequest: 1, connectTimeout: 2000 },
  // Refresh the slot map when a node answers MOVED/ASK, and reconnect forever (bounded delay).
  clusterRetryStrategy: (times) => Math.min(100 + times * 50, 1000),
  slotsRefreshTimeout: 2000,
};

export async function startRedisCluster(): Promise<RedisCluster> {
  const serverBin = findOnPath('redis-server');
  const cliBin = findOnPath('redis-cli');
  // `--cluster-port` (the bus port, below) needs Redis 7; RedisStore itself needs 6.2 (GETDEL).
  const version = /v=(\d+)\./.exec(await run(serverBin, ['--version']))?.[1];
  if (Number(version) < 7) {
    throw new Error(`The Redis Cluster tests need redis-server ≥ 7, found v${version ?? '?'}.`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'stepup-cluster-'));
  dirs.add(dir);
  const children: ChildProcess[] = [];
  const clients = new Set<Cluster | Redis>();

  const stop = async (): Promise<void> => {
    for (const c of clients) c.disconnect();
    clients.clear();
    await Promise.all(children.map((child) => terminate(child)));
    rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
  };

  try {
    // Six ports reserved together (3 client ports, 3 cluster-bus ports), so that no two of them
    // collide; `--cluster-port` sets the bus port (the default, port + 10000, may exceed 65535).
    const ports = await freePorts(MASTERS * 2);
    const nodes = ports.slice(0, MASTERS).map((port) => ({ host: HOST, port }));
    for (const [i, node] of nodes.entries()) {
      children.push(await spawnNode(serverBin, dir, node.port, ports[MASTERS + i] ?? 0));
    }
    await run(cliBin, [
      '--cluster',
      'create',
      ...nodes.map((n) => `${n.host}:${n.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await waitForClusterOk(nodes);

    const nodeClient = (index = 0): Redis => {
      const node = nodes[index];
      if (!node) throw new Error(`no cluster node ${index}`);
      const client = new Redis({ ...node, maxRetriesPerRequest: 1 });
      client.on('error', () => undefined);
      clients.add(client);
      return client;
    };
    return {
      nodes,
      client: (options = {}) => {
        const cluster = new Cluster([...nodes], { ...RECOMMENDED_CLUSTER_OPTIONS, ...options });
        cluster.on('error', () => undefined); // outages are reported through rejected commands
        clients.add(cluster);
        return cluster;
      },
      nodeClient,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
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
    `${name} is not on PATH; the Redis Cluster tests need redis-server and redis-cli ` +
      '(Redis ≥ 7). ' +
      'Install them: `apt-get install -y redis-server` (Debian/Ubuntu, brings redis-cli) ' +
      'or `brew install redis` (macOS).',
  );
}

/** `n` distinct free loopback ports, all held open at once while they are chosen. */
async function freePorts(n: number): Promise<number[]> {
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

async function spawnNode(bin: string, dir: string, port: number, busPort: number) {
  const args = [
    '--port', String(port),
    '--cluster-port', String(busPort),
    '--cluster-enabled', 'yes',
    '--cluster-config-file', join(dir, `nodes-${port}.conf`),
    '--cluster-node-timeout', '2000',
    '--save', '',
    '--appendonly', 'no',
    '--bind', HOST,
    '--dir', dir,
  ];
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
      throw new Error(`redis-server (cluster node ${port}) did not start: ${why}`);
    }
    if ((await ping(port)) && child.exitCode === null) return child;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await terminate(child);
  throw new Error(
    `cluster node ${port} did not answer PING within ${READY_DEADLINE_MS} ms:\n${output}`,
  );
}

function run(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: READY_DEADLINE_MS }, (err, stdout, stderr) => {
      if (!err) resolve(stdout);
      else reject(new Error(`${bin} ${args.join(' ')}: ${stderr || stdout}`, { cause: err }));
    });
  });
}

/** Poll `CLUSTER INFO` on every node until all agree the cluster is up, or fail at the deadline. */
async function waitForClusterOk(nodes: readonly ClusterNode[]): Promise<void> {
  const clients = nodes.map((n) => new Redis({ ...n, maxRetriesPerRequest: 1, lazyConnect: true }));
  for (const c of clients) c.on('error', () => undefined);
  let last = '';
  try {
    const deadline = Date.now() + READY_DEADLINE_MS;
    while (Date.now() < deadline) {
      const info = (c: Redis) =>
        (c.call('CLUSTER', 'INFO') as Promise<string>).catch((e: unknown) => String(e));
      const infos = await Promise.all(clients.map(info));
      last = infos.join('\n---\n');
      const ok = infos.every(
        (info) =>
          info.includes('cluster_state:ok') &&
          info.includes('cluster_slots_ok:16384') &&
          info.includes(`cluster_known_nodes:${nodes.length}`),
      );
      if (ok) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`Redis Cluster not ok within ${READY_DEADLINE_MS} ms:\n${last}`);
  } finally {
    for (const c of clients) c.disconnect();
  }
}

/** One PING over a raw socket: true on +PONG. */
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

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    live.delete(child);
    return;
  }
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
  live.delete(child);
}
