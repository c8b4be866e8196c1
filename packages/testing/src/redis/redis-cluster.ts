import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RedisServerHandle, startRedisServer } from './redis-server.js';

export interface StartRedisClusterOptions {
  /** Masters, each owning an equal share of the 16384 slots. Default 3. */
  masters?: number;
  /** Replicas per master. Default 1 (so 6 nodes). */
  replicasPerMaster?: number;
  /** `cluster-node-timeout`: how long a dead master goes unnoticed before failover. Default 3000. */
  nodeTimeoutMs?: number;
  /** Extra `redis-server` arguments for every node. */
  args?: string[];
  /** `redis-server` binary (default `$REDIS_SERVER_BIN` or on the PATH). */
  bin?: string;
  /** `redis-cli` binary (default `$REDIS_CLI_BIN` or on the PATH). */
  cliBin?: string;
  /** How long start-up may take. Default 60 s. */
  timeoutMs?: number;
}

/** One node as the cluster sees it (`CLUSTER NODES`). */
export interface RedisClusterNodeInfo {
  id: string;
  port: number;
  role: 'master' | 'replica';
  /** The master a replica follows. */
  masterId: string | undefined;
  /** Owned slot ranges, inclusive. */
  slots: [number, number][];
  /** Flagged `fail` (or `fail?`) by the node asked. */
  failing: boolean;
}

export interface RedisClusterHandle {
  /** Every node's server handle (kill / restart one to fail it over). */
  readonly nodes: readonly RedisServerHandle[];
  /** Seeds for `new Cluster(startupNodes)` of ioredis. */
  readonly startupNodes: readonly { host: string; port: number }[];
  /** The topology as a running node sees it. */
  topology(): Promise<RedisClusterNodeInfo[]>;
  /** The node (as the cluster sees it) serving `slot` as master. */
  masterOf(slot: number): Promise<RedisClusterNodeInfo>;
  /** Runs `redis-cli` against a node and returns its standard output. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** Waits until every running node says `cluster_state:ok`, agrees on the masters, and every replica's link is up. */
  waitHealthy(options?: { timeoutMs?: number }): Promise<void>;
  /**
   * Moves `slots` slots from one master to another (`redis-cli --cluster reshard`), keys
   * included, then waits until every running node sees the new slot map.
   */
  reshard(options: { fromId: string; toId: string; slots: number }): Promise<void>;
  /** Stops every node (by pid) and removes the data directories. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a Redis Cluster on loopback (default 3 masters + 3 replicas, about 8 s here), each
 * node a `redis-server` child whose pid is recorded, and waits until it is healthy. Always
 * `stop()` it (e.g. in afterAll).
 */
export async function startRedisCluster(options: StartRedisClusterOptions = {}): Promise<RedisClusterHandle> {
  const masters = options.masters ?? 3;
  const replicas = options.replicasPerMaster ?? 1;
  const cliBin = options.cliBin ?? process.env.REDIS_CLI_BIN ?? 'redis-cli';
  const root = mkdtempSync(join(tmpdir(), 'earshot-redis-cluster-'));
  const nodes: RedisServerHandle[] = [];
  const cli = (port: number, ...args: string[]) =>
    runCli(cliBin, ['-h', '127.0.0.1', '-p', String(port), ...args]);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await Promise.all(nodes.map((node) => node.stop()));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const ports: number[] = [];
    // A port found free can be taken before the node binds it (other suites run too): pick another.
    for (let failures = 0; ports.length < masters * (1 + replicas); ) {
      const port = await freePortPair(ports);
      const dir = join(root, String(port));
      mkdirSync(dir, { recursive: true });
      try {
        nodes.push(
          await startRedisServer({
            bin: options.bin,
            port,
            dir,
            args: [
              ...['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
              ...['--cluster-node-timeout', String(options.nodeTimeoutMs ?? 3000)],
              ...['--cluster-announce-ip', '127.0.0.1', '--protected-mode', 'no'],
              ...(options.args ?? []),
            ],
          }),
        );
        ports.push(port);
      } catch (error) {
        if (++failures >= 5) throw error;
      }
    }
    await cli(
      ports[0] as number,
      '--cluster',
      'create',
      ...ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      String(replicas),
      '--cluster-yes',
    );
  } catch (error) {
    await stop();
    throw error;
  }

  const running = () => nodes.filter((node) => node.pid > 0 && isAlive(node.pid));
  const topology = async () => {
    for (const node of running()) {
      try {
        return parseClusterNodes(await cli(node.port, 'cluster', 'nodes'));
      } catch {
        // that node is going down: ask the next one
      }
    }
    throw new Error('no cluster node answers');
  };
  const handle: RedisClusterHandle = {
    nodes,
    startupNodes: nodes.map((node) => ({ host: '127.0.0.1', port: node.port })),
    topology,
    async masterOf(slot) {
      const found = (await topology()).find(
        (n) => n.role === 'master' && !n.failing && n.slots.some(([a, b]) => slot >= a && slot <= b),
      );
      if (!found) throw new Error(`no master serves slot ${slot}`);
      return found;
    },
    cli,
    async waitHealthy({ timeoutMs = 60_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      let last = '';
      while (Date.now() < deadline) {
        last = await healthProblem(running(), cli, masters).catch((error: Error) => error.message);
        if (last === '') return;
        await sleep(100);
      }
      throw new Error(`redis cluster not healthy after ${timeoutMs} ms: ${last}`);
    },
    async reshard({ fromId, toId, slots }) {
      const seed = running()[0];
      if (!seed) throw new Error('no cluster node is running');
      await cli(
        seed.port,
        '--cluster',
        'reshard',
        `127.0.0.1:${seed.port}`,
        ...['--cluster-from', fromId, '--cluster-to', toId, '--cluster-slots', String(slots)],
        '--cluster-yes',
      );
      const deadline = Date.now() + 30_000;
      while (!(await slotMapsAgree(running(), cli))) {
        if (Date.now() > deadline)
          throw new Error('cluster nodes still disagree on the slot map 30 s after resharding');
        await sleep(100);
      }
    },
    stop,
  };
  try {
    await handle.waitHealthy({ timeoutMs: options.timeoutMs ?? 60_000 });
  } catch (error) {
    await stop();
    throw error;
  }
  return handle;
}

/** '' when healthy, else what is wrong (for the timeout message). */
async function healthProblem(
  nodes: RedisServerHandle[],
  cli: (port: number, ...args: string[]) => Promise<string>,
  masters: number,
): Promise<string> {
  for (const node of nodes) {
    const info = await cli(node.port, 'cluster', 'info');
    if (!info.includes('cluster_state:ok')) return `node ${node.port}: cluster_state not ok`;
    const view = parseClusterNodes(await cli(node.port, 'cluster', 'nodes'));
    const serving = view.filter((n) => n.role === 'master' && n.slots.length > 0 && !n.failing);
    if (serving.length !== masters) return `node ${node.port} sees ${serving.length} serving masters`;
    const me = view.find((n) => n.port === node.port);
    if (me?.role === 'replica') {
      const replication = await cli(node.port, 'info', 'replication');
      if (!replication.includes('master_link_status:up')) return `replica ${node.port}: link not up`;
    }
  }
  return '';
}

/** True when every node reports the same masters owning the same slots (gossip has settled). */
async function slotMapsAgree(
  nodes: RedisServerHandle[],
  cli: (port: number, ...args: string[]) => Promise<string>,
): Promise<boolean> {
  const maps = await Promise.all(
    nodes.map(async (node) =>
      JSON.stringify(
        parseClusterNodes(await cli(node.port, 'cluster', 'nodes'))
          .filter((n) => n.role === 'master' && n.slots.length > 0)
          .map((n) => [n.id, n.slots])
          .sort(),
      ),
    ),
  );
  return maps.every((map) => map === maps[0]);
}

/** Parses `CLUSTER NODES` output. */
export function parseClusterNodes(text: string): RedisClusterNodeInfo[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      const [id = '', address = '', flags = '', master = '-', , , , , ...slotFields] = line.split(' ');
      const flagList = flags.split(',');
      const slots: [number, number][] = [];
      for (const field of slotFields) {
        if (field.startsWith('[')) continue; // a slot being migrated or imported
        const [a, b] = field.split('-').map(Number);
        slots.push([a as number, (b ?? a) as number]);
      }
      return {
        id,
        port: Number(address.split('@')[0]?.split(':').pop()),
        role: flagList.includes('master') ? ('master' as const) : ('replica' as const),
        masterId: master === '-' ? undefined : master,
        slots,
        failing: flagList.includes('fail') || flagList.includes('fail?'),
      };
    });
}

function runCli(bin: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(bin, args, { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${bin} ${args.join(' ')} failed: ${error.message} ${stderr}`.trim()));
      else if (/^(ERR|\[ERR\])/m.test(stdout)) reject(new Error(`${bin} ${args.join(' ')}: ${stdout}`));
      else resolve(stdout);
    });
  });
}

/** A port p whose cluster-bus port p + 10000 is free too, clear of the ones already `taken`. */
async function freePortPair(taken: number[]): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 35_000);
    if (taken.some((t) => Math.abs(t - port) === 10_000 || t === port)) continue;
    if ((await isFree(port)) && (await isFree(port + 10_000))) return port;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
