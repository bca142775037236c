/**
 * A real 3-master Redis Cluster for tests, on free loopback ports, ready when every node says
 * `cluster_state:ok` and knows all 16,384 slots (polled against a deadline, never a sleep).
 *
 * Each node is `redis-server --cluster-enabled yes` with its config, port and bus port in a
 * temporary directory; `redis-cli --cluster create … --cluster-replicas 0 --cluster-yes` joins
 * them. `stop()` disconnects the clients it made, stops the servers and removes the directory;
 * a process `exit` handler does the same if a test run ends without calling it.
 */
import { type ChildProcess, execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, type ClusterOptions, Redis } from 'ioredis';
import { findOnPath, HOST, onFreePorts, spawnReady, terminate } from './redis-process.js';

export interface ClusterNode {
  readonly host: string;
  readonly port: number;
}

export interface RedisCluster {
  /** The three masters (client ports). */
  readonly nodes: readonly ClusterNode[];
  /**
   * A new ioredis Cluster client, closed by `stop()`. Defaults are the options the README and
   * docs/stores-and-deployment.md recommend for `RedisStore` (no offline queue, one retry); `options` override them.
   */
  client(options?: ClusterOptions): Cluster;
  /** A plain client on one node (for `CLUSTER KEYSLOT`, `CLUSTER INFO`), closed by `stop()`. */
  nodeClient(index?: number): Redis;
  /** Disconnect every client, stop the three servers, remove the temporary directory. */
  stop(): Promise<void>;
}

const MASTERS = 3;
const READY_DEADLINE_MS = 20_000;
const dirs = new Set<string>();

// Never leave a temporary directory behind (redis-process.ts kills leftover servers).
process.on('exit', () => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** How to get the binaries, appended to "… is not on PATH" when one is missing. */
const MISSING =
  '; the Redis Cluster tests need redis-server and redis-cli (Redis ≥ 7). ' +
  'Install them: `apt-get install -y redis-server` (Debian/Ubuntu, brings redis-cli) ' +
  'or `brew install redis` (macOS).';

/** The ioredis Cluster options that work with RedisStore (see docs/stores-and-deployment.md, "Running on a Redis Cluster"). */
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
  const serverBin = findOnPath('redis-server', MISSING);
  const cliBin = findOnPath('redis-cli', MISSING);
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
    // When another process took one of them before a node bound it, the nodes started so far
    // stop and six new ports are tried (onFreePorts).
    const nodes = await onFreePorts(MASTERS * 2, async (ports) => {
      const chosen = ports.slice(0, MASTERS).map((port) => ({ host: HOST, port }));
      try {
        for (const [i, node] of chosen.entries()) {
          children.push(await spawnNode(serverBin, dir, node.port, ports[MASTERS + i] ?? 0));
        }
      } catch (err) {
        await Promise.all(children.splice(0).map((child) => terminate(child)));
        throw err;
      }
      return chosen;
    });
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

/** Spawn one cluster-enabled node (config and data in `dir`); resolves once it answers PING. */
function spawnNode(bin: string, dir: string, port: number, busPort: number): Promise<ChildProcess> {
  const args = [
    '--port',
    String(port),
    '--cluster-port',
    String(busPort),
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    join(dir, `nodes-${port}.conf`),
    '--cluster-node-timeout',
    '2000',
    '--save',
    '',
    '--appendonly',
    'no',
    '--bind',
    HOST,
    '--dir',
    dir,
  ];
  return spawnReady(bin, args, {
    port,
    label: `redis-server (cluster node ${port})`,
    deadlineMs: READY_DEADLINE_MS,
  });
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
