import {Redis} from 'ioredis';
import {askRedis, startRedisServer, startSentinel, type RedisServer} from './redis-server.js';

/** The master name every sentinel set in the tests watches. */
const MASTER_NAME = 'mymaster';

/** A master, a replica and three Sentinels (quorum 2), all spawned on free loopback ports. */
export interface SentinelSet {
  /** `redis+sentinel://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3/mymaster` */
  readonly url: string;
  /** The two data nodes as started (index 0 the first master); a restart replaces its entry. */
  readonly nodes: RedisServer[];
  readonly sentinels: RedisServer[];
  /** The port the Sentinels name as master now. */
  masterPort(): Promise<number>;
  /** A plain client on the current master. */
  master(): Promise<Redis>;
  /** SIGKILLs the current master; resolves with its index in `nodes`. */
  killMaster(): Promise<number>;
  /**
   * Waits until every Sentinel names a master other than `oldPort` and it answers as master (so a
   * client that asks any Sentinel from now on is sent to the new master).
   */
  failedOver(oldPort: number, ms?: number): Promise<number>;
  /** Starts a killed node again on its port (the Sentinels make it a replica of the new master). */
  restart(index: number): Promise<void>;
  /** Waits until the current master has `n` replicas online. */
  replicasOnline(n: number, ms?: number): Promise<void>;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await sleep(100);
  }
  throw new Error(
    `sentinel set: ${what} not reached in ${ms} ms${last ? ` (${String(last)})` : ''}`
  );
}

const field = (info: string, name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1];

/**
 * Spawns the set and waits until the Sentinels know the replica and each other (so a failover
 * can be elected at once). `appendfsync` as in {@link startRedisServer} (AOF on when given).
 */
export async function startSentinelSet(
  options: {appendfsync?: 'always' | 'everysec'} = {}
): Promise<SentinelSet> {
  const persist = options.appendfsync ? {appendonly: true, appendfsync: options.appendfsync} : {};
  const first = await startRedisServer(persist);
  const replicaOf = (port: number) => ['--replicaof', '127.0.0.1', String(port)];
  const nodes = [first, await startRedisServer({...persist, args: replicaOf(first.port)})];
  const sentinels = [
    await startSentinel(first.port, MASTER_NAME),
    await startSentinel(first.port, MASTER_NAME),
    await startSentinel(first.port, MASTER_NAME),
  ];
  const url = `redis+sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/${MASTER_NAME}`;
  // The master port every Sentinel names (undefined while they disagree, mid-failover).
  const agreedPort = async () => {
    const ports = new Set<number>();
    for (const s of sentinels) {
      const addr = (await askRedis(s.port, (c) =>
        c.call('SENTINEL', 'get-master-addr-by-name', MASTER_NAME)
      )) as [string, string] | null;
      if (addr) ports.add(Number(addr[1]));
    }
    return ports.size === 1 ? [...ports][0] : undefined;
  };
  const masterPort = () => until('a master address all Sentinels agree on', 10_000, agreedPort);
  const set: SentinelSet = {
    url,
    nodes,
    sentinels,
    masterPort,
    async master() {
      return new Redis({port: await masterPort(), host: '127.0.0.1'});
    },
    async killMaster() {
      const port = await masterPort();
      const index = nodes.findIndex((n) => n.port === port);
      await nodes[index]!.kill();
      return index;
    },
    failedOver(oldPort, ms = 30_000) {
      return until('a failover', ms, async () => {
        const port = await masterPort();
        if (port === oldPort) return undefined;
        const info = await askRedis(port, (c) => c.info('replication'));
        return field(info, 'role')?.trim() === 'master' ? port : undefined;
      });
    },
    async restart(index) {
      const old = nodes[index]!;
      nodes[index] = await startRedisServer({...persist, port: old.port, dir: old.dir});
    },
    async replicasOnline(n, ms = 30_000) {
      await until(`${n} replicas online`, ms, async () => {
        const info = await askRedis(await masterPort(), (c) => c.info('replication'));
        const online = info.match(/^slave\d+:.*state=online/gm)?.length ?? 0;
        return online >= n ? true : undefined;
      });
    },
    async stop() {
      await Promise.all([...sentinels, ...nodes].map((s) => s.stop()));
    },
  };
  try {
    await set.replicasOnline(1);
    // A failover needs the quorum to know the replica and each other (hello messages, every 2 s).
    await until('Sentinels that know each other', 30_000, async () => {
      for (const s of sentinels) {
        const flat = (await askRedis(s.port, (c) =>
          c.call('SENTINEL', 'master', MASTER_NAME)
        )) as string[];
        const get = (k: string) => Number(flat[flat.indexOf(k) + 1]);
        if (get('num-other-sentinels') < 2 || get('num-slaves') < 1) return undefined;
      }
      return true;
    });
  } catch (err) {
    await set.stop();
    throw err;
  }
  return set;
}
