import {spawn} from 'node:child_process';
import {afterAll, beforeAll} from 'vitest';
import {askRedis, startRedisServer, type RedisServer} from './redis-server.js';

/** A Redis Cluster of 3 masters and 3 replicas, all spawned on free loopback ports. */
export interface RedisClusterSet {
  /** `redis+cluster://127.0.0.1:P1,…` (every node, as seeds) */
  readonly url: string;
  /** The six nodes as started; which are masters changes with failovers. */
  readonly nodes: RedisServer[];
  /** The node that serves `key`'s hash slot as master now. */
  masterOf(key: string): Promise<RedisServer>;
  /** The hash slot of a Redis key. */
  slotOf(key: string): Promise<number>;
  /**
   * Waits until every live node reports cluster_state:ok and no slot is served by the node on
   * `deadPort` any more (its replica took over); resolves with the slot's new master.
   */
  failedOver(deadPort: number, ms?: number): Promise<void>;
  /**
   * Moves hash slot `slot` with its keys to the master on `toPort`, as `redis-cli --cluster
   * reshard` does (IMPORTING / MIGRATING, MIGRATE, SETSLOT NODE on every master).
   */
  moveSlot(slot: number, toPort: number): Promise<void>;
  /** Runs `SCRIPT FLUSH` on every node (an empty script cache, as on a promoted replica). */
  flushScripts(): Promise<void>;
  /** Deletes every key matching `pattern` on every master (keys of one test). */
  deleteKeys(pattern: string): Promise<void>;
  /** The ports of the masters now, with how many of the given Redis keys each holds. */
  keysPerMaster(keys: string[]): Promise<Map<number, number>>;
  /** Waits until every live master has `n` replicas online. */
  replicasOnline(n: number, ms?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Node timeout of the test clusters: a master that stops answering fails over in a few seconds. */
const CLUSTER_NODE_TIMEOUT_MS = 1_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ms: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (err) {
      last = err;
    }
    await sleep(100);
  }
  throw new Error(
    `redis cluster: ${what} not reached in ${ms} ms${last ? ` (${String(last)})` : ''}`
  );
}

/** `redis-cli ARGS`; rejects with its output when it fails (or is missing). */
function redisCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', args, {stdio: ['ignore', 'pipe', 'pipe']});
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ENOENT'
          ? new Error('redis-cli is not installed or not on PATH: apt-get install redis-tools')
          : err
      )
    );
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`redis-cli exited ${code}:\n${out}`))
    );
  });
}

/** The master port of each slot range, from CLUSTER SLOTS on a live node. */
async function slotMasters(port: number): Promise<{from: number; to: number; port: number}[]> {
  const slots = await askRedis(port, (c) => c.cluster('SLOTS'));
  return slots.map(([from, to, master]) => ({from, to, port: master![1]}));
}

/**
 * Spawns 6 `redis-server --cluster-enabled yes`, joins them with `redis-cli --cluster create …
 * --cluster-replicas 1`, and waits until the cluster is ok and every master has its replica.
 * `cluster-require-full-coverage no`, as docs/deployment.md advises: the slots of a failed master
 * stop, the others keep serving.
 */
export async function startRedisCluster(
  options: {appendfsync?: 'always' | 'everysec'} = {}
): Promise<RedisClusterSet> {
  const persist = options.appendfsync ? {appendonly: true, appendfsync: options.appendfsync} : {};
  const nodes: RedisServer[] = [];
  const alive = () => nodes.filter((n) => n.process.exitCode === null && !n.process.signalCode);
  const set: RedisClusterSet = {
    get url() {
      return `redis+cluster://${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`;
    },
    nodes,
    async slotOf(key) {
      return (await askRedis(alive()[0]!.port, (c) => c.cluster('KEYSLOT', key))) as number;
    },
    async masterOf(key) {
      const slot = await set.slotOf(key);
      const ranges = await slotMasters(alive()[0]!.port);
      const port = ranges.find((r) => slot >= r.from && slot <= r.to)?.port;
      const node = nodes.find((n) => n.port === port);
      if (!node) throw new Error(`no master serves slot ${slot}`);
      return node;
    },
    async failedOver(deadPort, ms = 30_000) {
      await until(`a failover away from ${deadPort}`, ms, async () => {
        for (const n of alive()) {
          const info = await askRedis(n.port, (c) => c.cluster('INFO'));
          if (!/cluster_state:ok/.test(info)) return false;
          const ranges = await slotMasters(n.port);
          if (ranges.some((r) => r.port === deadPort)) return false;
        }
        return true;
      });
    },
    async moveSlot(slot, toPort) {
      const ranges = await slotMasters(alive()[0]!.port);
      const fromPort = ranges.find((r) => slot >= r.from && slot <= r.to)!.port;
      const id = (port: number) =>
        askRedis(port, (c) => c.call('CLUSTER', 'MYID')) as Promise<string>;
      const [fromId, toId] = [await id(fromPort), await id(toPort)];
      await askRedis(toPort, (c) => c.cluster('SETSLOT', slot, 'IMPORTING', fromId));
      await askRedis(fromPort, async (c) => {
        await c.cluster('SETSLOT', slot, 'MIGRATING', toId);
        for (;;) {
          const keys = await c.cluster('GETKEYSINSLOT', slot, 100);
          if (keys.length === 0) break;
          await c.migrate('127.0.0.1', toPort, '', 0, 5_000, 'KEYS', ...keys);
        }
      });
      for (const r of new Set(ranges.map((x) => x.port))) {
        await askRedis(r, (c) => c.cluster('SETSLOT', slot, 'NODE', toId));
      }
    },
    async flushScripts() {
      for (const n of alive()) await askRedis(n.port, (c) => c.script('FLUSH'));
    },
    async deleteKeys(pattern) {
      for (const r of await slotMasters(alive()[0]!.port)) {
        await askRedis(r.port, async (c) => {
          for (const k of await c.keys(pattern)) await c.del(k);
        });
      }
    },
    async keysPerMaster(keys) {
      const ranges = await slotMasters(alive()[0]!.port);
      const counts = new Map<number, number>();
      for (const k of keys) {
        const slot = await set.slotOf(k);
        const port = ranges.find((r) => slot >= r.from && slot <= r.to)!.port;
        counts.set(port, (counts.get(port) ?? 0) + 1);
      }
      return counts;
    },
    async replicasOnline(n, ms = 30_000) {
      await until(`${n} replica(s) online per master`, ms, async () => {
        for (const node of alive()) {
          const info = await askRedis(node.port, (c) => c.info('replication'));
          if (!/^role:master/m.test(info)) continue;
          const online = info.match(/^slave\d+:.*state=online/gm)?.length ?? 0;
          if (online < n) return false;
        }
        return true;
      });
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
  try {
    for (let i = 0; i < 6; i++) {
      nodes.push(
        await startRedisServer({
          ...persist,
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            String(CLUSTER_NODE_TIMEOUT_MS),
            '--cluster-require-full-coverage',
            'no',
            // Any replica may take over however long it was out of touch (tests kill at will).
            '--cluster-replica-validity-factor',
            '0',
          ],
        })
      );
    }
    await redisCli([
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    ]);
    await until('cluster_state:ok on every node', 30_000, async () => {
      for (const n of nodes) {
        if (!/cluster_state:ok/.test(await askRedis(n.port, (c) => c.cluster('INFO'))))
          return false;
      }
      return true;
    });
    await set.replicasOnline(1);
  } catch (err) {
    await set.stop();
    throw err;
  }
  return set;
}

/**
 * One spawned cluster for a whole test file: `get()` is it (once beforeAll has run), stopped
 * after the file.
 */
export function useRedisCluster(): {get(): RedisClusterSet} {
  let set: RedisClusterSet | undefined;
  beforeAll(async () => {
    set = await startRedisCluster();
  }, 60_000);
  afterAll(async () => {
    await set?.stop();
  });
  return {get: () => set!};
}
