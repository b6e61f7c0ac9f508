// `npm run bench`: every figure of issues 6 and 15 in one run on one machine, side by side with its
// anchor, then the README's summary table (the full figures go to bench/results/latest.json).
// Loopback only; about 12-15 minutes on 2 cores. Options are passed on:
// `npm run bench -- --rounds 1 --duration 3 --runs 5` for a quick look; `--only http,store` runs
// only those sections. Each section's script also runs alone with flags that shorten it.
import {mkdirSync, writeFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {runClientCacheBench} from './client-cache.mjs';
import {runClientBench} from './client.mjs';
import {runSpreadBench} from './http-spread.mjs';
import {runHttpBench} from './http.mjs';
import {LOAD_OPTIONS, httpOptionsFrom} from './lib/load.mjs';
import {machineInfo} from './lib/machine.mjs';
import {runSubBench} from './lib/sub-bench.mjs';
import {summaryTable} from './lib/summary-table.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const {values} = parseArgs({
  options: {
    ...LOAD_OPTIONS,
    runs: {type: 'string', default: '10'},
    // Only these sections (comma-separated names, as printed), e.g. `--only durable,store`.
    only: {type: 'string', default: ''},
  },
});
const only = values.only ? new Set(values.only.split(',')) : null;

const started = Date.now();
const section = async (name, fn) => {
  if (only && !only.has(name)) return {skipped: 'not in --only'};
  const t = Date.now();
  console.log('');
  try {
    return await fn();
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    console.log(`${name}: FAILED: ${error}`);
    return {error};
  } finally {
    console.log(`(${name}: ${((Date.now() - t) / 1000).toFixed(0)} s)`);
  }
};

const machine = machineInfo();
console.log(machine.line);
const http = await section('http', () => runHttpBench(httpOptionsFrom(values)));
// issue 15: GET /api/session over 100, 10,000 and 200,000 stored sessions.
const httpSpread = await section('httpSpread', () => runSpreadBench());
const ws = await section('ws', async () => {
  console.log('ws: bench/ws.mjs');
  return runSubBench(here('./ws.mjs'));
});
const client = await section('client', () => runClientBench({runs: Number(values.runs)}));
const clientCache = await section('client-cache', () =>
  runClientCacheBench({runs: Math.min(5, Number(values.runs))})
);
const redis = await section('redis', async () => {
  console.log('redis: bench/redis.mjs');
  // Fewer, shorter rounds than its default: the whole of npm run bench stays near 5 minutes.
  return runSubBench(here('./redis.mjs'), {args: ['--rounds', '2', '--duration', '4']});
});
// issue 15: durable acked visits (100 and 2,000 sockets, 5,000 and 20,000/s offered) beside the
// no-storage ceiling; /healthz with 10,000 idle sockets over heartbeats.
const durable = await section('durable', async () => {
  console.log('durable: bench/ws-durable.mjs');
  return runSubBench(here('./ws-durable.mjs'), {timeoutMs: 360_000});
});
// issue 15: purge stalls (in-process and CLI), sessions list and op-window bytes at 500,000 rows.
const store = await section('store', async () => {
  console.log('store: bench/store-maintenance.mjs');
  return runSubBench(here('./store-maintenance.mjs'), {timeoutMs: 600_000});
});

// issue 16: Sentinel, redis_wait_replicas, and the client-library comparison.
const redisHa = await section('redisHa', async () => {
  console.log('redisHa: bench/redis-ha.mjs, bench/redis-clients.mjs');
  const ha = await runSubBench(here('./redis-ha.mjs'), {
    args: ['--rounds', '2', '--duration', '3', '--warmup', '1', '--first-warmup', '5'],
  });
  const clients = await runSubBench(here('./redis-clients.mjs'), {args: ['--rounds', '3']});
  return {ha, clients};
});

const summary = {
  machine: machine.info,
  command: `npm run bench${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}`,
  seconds: Math.round((Date.now() - started) / 1000),
  http,
  httpSpread,
  ws,
  durable,
  client,
  clientCache,
  redis,
  store,
  redisHa,
};
mkdirSync(here('./results'), {recursive: true});
writeFileSync(here('./results/latest.json'), JSON.stringify(summary, null, 2) + '\n');
console.log(`\n${machine.line}`);
for (const line of summaryTable(summary)) console.log(line);
console.log(`bench: done in ${summary.seconds} s; every figure is in bench/results/latest.json`);
