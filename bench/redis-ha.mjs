// The Redis high-availability figures of issue 16, on a master, a replica and three Sentinels this
// script spawns (appendonly yes, appendfsync everysec on both data nodes):
// 1. GET /api/session for a stored logged-in session, and 2. durable visits (POST /api/trail, each a
// new page, so each is one write) on one moin-session instance: straight to the master
// (`redis://`), through Sentinel (`redis+sentinel://`), and through Sentinel with
// `redis_wait_replicas: 1` (every write waits for WAIT 1), on a Redis Cluster of 3 masters + 3
// replicas (`redis+cluster://`, same persistence) with and without `redis_wait_replicas: 1`,
// beside express-session + connect-redis 9 on the same master. Each target in its own child process; autocannon here with the same load;
// rounds interleaved, median reported.
//
// `npm run build && node bench/redis-ha.mjs [--rounds N] [--duration S] [--warmup S] [--connections N]`
// Prints human lines, then one JSON line. NOT a test: nothing here passes or fails on a number.
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {spawnSync} from 'node:child_process';
import autocannon from 'autocannon';
import {startTarget} from './lib/child.mjs';
import {int, pad, times} from './lib/format.mjs';
import {LOAD_OPTIONS, measure, median} from './lib/load.mjs';
import {startRedisProcess} from './lib/redis-server.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const {values} = parseArgs({options: LOAD_OPTIONS});
const load = {
  connections: Number(values.connections),
  pipelining: Number(values.pipelining),
  warmupSeconds: Number(values.warmup),
  firstWarmupSeconds: Number(values['first-warmup']),
  durationSeconds: Number(values.duration),
};
const rounds = Number(values.rounds);
let seq = 0;

const procs = [];
const started = [];
try {
  const master = await spawnRedis(['--appendonly', 'yes', '--appendfsync', 'everysec']);
  await spawnRedis([
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--replicaof',
    '127.0.0.1',
    String(master.port),
  ]);
  const sentinels = [];
  for (let i = 0; i < 3; i++) sentinels.push(await spawnSentinel(master.port));
  const sentinelUrl = `redis+sentinel://${sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')}/mymaster`;
  const masterUrl = `redis://127.0.0.1:${master.port}`;
  const clusterUrl = await spawnCluster();
  // Give the replica and the Sentinels time to find each other.
  await new Promise((r) => setTimeout(r, 3_000));
  console.log(
    `redis-ha: master + replica (appendonly yes, everysec) + 3 Sentinels, and a cluster of 3 ` +
      `masters + 3 replicas (same persistence); autocannon ` +
      `${load.connections} connections, ${load.warmupSeconds} s warm-up + ${load.durationSeconds} s, ` +
      `median of ${rounds} rounds`
  );
  // Visits go flat out to one session: no per-session visit rate limit in the way.
  const flatOut = {visit_rate: 100_000, visit_burst: 100_000};
  const targets = [
    {id: 'single', label: 'moin redis:// (master)', args: [masterUrl], config: flatOut},
    {id: 'sentinel', label: 'moin redis+sentinel://', args: [sentinelUrl], config: flatOut},
    {
      id: 'sentinelWait1',
      label: 'moin sentinel, wait_replicas 1',
      args: [sentinelUrl],
      config: {...flatOut, redis_wait_replicas: 1},
    },
    {
      id: 'cluster',
      label: 'moin redis+cluster:// (3 masters)',
      args: [clusterUrl],
      config: flatOut,
    },
    {
      id: 'clusterWait1',
      label: 'moin cluster, wait_replicas 1',
      args: [clusterUrl],
      config: {...flatOut, redis_wait_replicas: 1},
    },
    {
      id: 'connectRedis',
      label: 'express-session + connect-redis',
      anchor: true,
      args: ['redis', masterUrl],
    },
  ];
  for (const t of targets) {
    t.t = await startTarget(
      here(t.anchor ? './anchors/express-session.mjs' : './lib/moin-target.mjs'),
      t.args,
      {env: t.anchor ? {} : {MOIN_BENCH_CONFIG: JSON.stringify(t.config)}}
    );
    started.push(t.t);
    t.get = [];
    t.visits = [];
  }
  for (let round = 0; round < rounds; round++) {
    for (const t of targets) {
      const g = await measure({url: `${t.t.url}${t.t.path}`, headers: {cookie: t.t.cookie}}, load, {
        first: round === 0,
      });
      if (g.failures > 0) throw new Error(`${t.label}: ${g.failures} failed GETs`);
      t.get.push(g);
      if (t.anchor) continue;
      const v = await visits(t.t, load);
      if (v.failures > 0) throw new Error(`${t.label}: ${v.failures} failed visits`);
      t.visits.push(v);
    }
  }
  const out = {};
  console.log(
    `  ${pad('', 34)} ${pad('GET req/s', 10)} ${pad('p99', 8)} ${pad('visits/s', 9)} p99`
  );
  for (const t of targets) {
    const r = {
      label: t.label,
      getPerSec: median(t.get.map((m) => m.reqPerSec)),
      getP99Ms: median(t.get.map((m) => m.p99Ms)),
      ...(t.anchor
        ? {}
        : {
            visitsPerSec: median(t.visits.map((m) => m.visitsPerSec)),
            visitP50Ms: median(t.visits.map((m) => m.p50Ms)),
            visitP99Ms: median(t.visits.map((m) => m.p99Ms)),
          }),
    };
    out[t.id] = r;
    console.log(
      `  ${pad(r.label, 34)} ${pad(int(r.getPerSec), 10)} ${pad(`${r.getP99Ms} ms`, 8)} ` +
        (t.anchor
          ? ''
          : `${pad(int(r.visitsPerSec), 9)} ${r.visitP99Ms} ms (p50 ${r.visitP50Ms} ms)`)
    );
  }
  const ratios = {
    sentinelVsSingleGet: out.sentinel.getPerSec / out.single.getPerSec,
    sentinelVsConnectRedisGet: out.sentinel.getPerSec / out.connectRedis.getPerSec,
    wait1VsSentinelVisits: out.sentinelWait1.visitsPerSec / out.sentinel.visitsPerSec,
    wait1AddedP50Ms: out.sentinelWait1.visitP50Ms - out.sentinel.visitP50Ms,
    clusterVsSingleGet: out.cluster.getPerSec / out.single.getPerSec,
    clusterVsSingleVisits: out.cluster.visitsPerSec / out.single.visitsPerSec,
    clusterVsConnectRedisGet: out.cluster.getPerSec / out.connectRedis.getPerSec,
    clusterWait1VsClusterVisits: out.clusterWait1.visitsPerSec / out.cluster.visitsPerSec,
  };
  console.log(
    `  GET: sentinel / redis:// = ${times(ratios.sentinelVsSingleGet)}, sentinel / connect-redis = ` +
      `${times(ratios.sentinelVsConnectRedisGet)}; visits: wait_replicas 1 / 0 = ` +
      `${times(ratios.wait1VsSentinelVisits)} (p50 +${ratios.wait1AddedP50Ms} ms per ack)`
  );
  console.log(
    `  cluster / redis://: GET ${times(ratios.clusterVsSingleGet)}, visits ` +
      `${times(ratios.clusterVsSingleVisits)}; cluster / connect-redis GET = ` +
      `${times(ratios.clusterVsConnectRedisGet)}; cluster visits wait_replicas 1 / 0 = ` +
      `${times(ratios.clusterWait1VsClusterVisits)}`
  );
  console.log(
    JSON.stringify({
      command: `node bench/redis-ha.mjs ${process.argv.slice(2).join(' ')}`.trim(),
      load,
      rounds,
      targets: out,
      ratios,
    })
  );
} finally {
  await Promise.all(started.map((t) => t.stop()));
  for (const p of procs.reverse()) await p.stop();
}

/** Durable visits: each POST /api/trail names a new page, so each one is a write (and a WAIT). */
async function visits(t, opts) {
  const fire = (duration) =>
    new Promise((resolve, reject) =>
      autocannon(
        {
          url: `${t.url}/api/trail`,
          connections: opts.connections,
          pipelining: opts.pipelining,
          duration,
          requests: [
            {
              method: 'POST',
              setupRequest: (req) => ({
                ...req,
                headers: {'content-type': 'application/json', origin: t.url, cookie: t.cookie},
                body: JSON.stringify({page: `HA-Page${seq++}`}),
              }),
            },
          ],
        },
        (err, r) => (err ? reject(err) : resolve(r))
      )
    );
  if (opts.warmupSeconds > 0) await fire(Math.min(1, opts.warmupSeconds));
  const r = await fire(opts.durationSeconds);
  return {
    visitsPerSec: Math.round(r.requests.average),
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    failures: r.non2xx + r.errors + r.timeouts,
  };
}

/** Spawns redis-server (or a Sentinel, with `conf` its config file) and stops it at the end. */
async function spawnProc(conf, args, ready) {
  const proc = await startRedisProcess({conf, args, ready, prefix: 'moin-bench-ha-'});
  procs.push(proc);
  return proc;
}

function spawnRedis(args) {
  return spawnProc(undefined, args, 'Ready to accept connections');
}

function spawnSentinel(masterPort) {
  const conf = (dir) => {
    const file = join(dir, 'sentinel.conf');
    writeFileSync(file, `sentinel monitor mymaster 127.0.0.1 ${masterPort} 2\n`);
    return file;
  };
  return spawnProc(conf, ['--sentinel'], '+monitor master');
}

/**
 * Spawns 6 cluster-enabled redis-servers, joins them as 3 masters + 3 replicas and waits for
 * cluster_state:ok; resolves the `redis+cluster://` URL with every node as a seed.
 */
async function spawnCluster() {
  const nodes = [];
  for (let i = 0; i < 6; i++) {
    nodes.push(
      await spawnRedis([
        '--appendonly',
        'yes',
        '--appendfsync',
        'everysec',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-require-full-coverage',
        'no',
      ])
    );
  }
  const hosts = nodes.map((n) => `127.0.0.1:${n.port}`);
  const create = spawnSync(
    'redis-cli',
    ['--cluster', 'create', ...hosts, '--cluster-replicas', '1', '--cluster-yes'],
    {encoding: 'utf8'}
  );
  if (create.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${create.stdout}`);
  for (const n of nodes) {
    for (let i = 0; ; i++) {
      const info = spawnSync('redis-cli', ['-p', String(n.port), 'cluster', 'info'], {
        encoding: 'utf8',
      });
      if (/cluster_state:ok/.test(info.stdout)) break;
      if (i > 300) throw new Error(`cluster node ${n.port} not ok in 30 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return `redis+cluster://${hosts.join(',')}`;
}
