// Issue 16's client-library question, measured: ioredis 6 against node-redis 5 (`redis`) on one
// redis-server this script spawns, with the two calls the Redis store makes per request: a GET of
// a session value (~1 KB, what GET /api/session costs) and a compare-and-set Lua script (what a
// visit costs), each with 50 calls in flight on one connection (the store's one shared, pipelined
// connection), alternating clients per round, median of the rounds.
//
// `node bench/redis-clients.mjs [--rounds N] [--ops N]`. NOT a test.
import {parseArgs} from 'node:util';
import {Redis} from 'ioredis';
import {createClient} from 'redis';
import {int, pad, times} from './lib/format.mjs';
import {median} from './lib/load.mjs';
import {startRedisProcess} from './lib/redis-server.mjs';

const {values} = parseArgs({
  options: {rounds: {type: 'string', default: '5'}, ops: {type: 'string', default: '40000'}},
});
const rounds = Number(values.rounds);
const ops = Number(values.ops);
const IN_FLIGHT = 50;
const CAS = `local cur = redis.call('GET', KEYS[1])
if cur ~= ARGV[1] then return cur end
redis.call('SET', KEYS[1], ARGV[2], 'PXAT', ARGV[3])
return 1`;
const value = JSON.stringify({
  trail: Array.from({length: 20}, (_, i) => `Page${i}`),
  pad: 'x'.repeat(700),
});

const server = await startRedis();
try {
  const io = new Redis(server.url);
  io.defineCommand('cas', {numberOfKeys: 1, lua: CAS});
  const nr = createClient({url: server.url});
  await nr.connect();
  const sha = await nr.scriptLoad(CAS);
  await io.set('k', value);
  const exp = String(Date.now() + 3_600_000);
  const clients = {
    ioredis: {get: () => io.get('k'), cas: () => io.cas('k', value, value, exp)},
    'node-redis': {
      get: () => nr.get('k'),
      cas: () => nr.evalSha(sha, {keys: ['k'], arguments: [value, value, exp]}),
    },
  };
  const results = {};
  for (const name of Object.keys(clients)) results[name] = {get: [], cas: []};
  for (let round = 0; round < rounds + 1; round++) {
    for (const [name, c] of Object.entries(clients)) {
      for (const op of ['get', 'cas']) {
        const rate = await opsPerSec(c[op], round === 0 ? ops / 4 : ops);
        if (round > 0) results[name][op].push(rate); // round 0 warms up
      }
    }
  }
  console.log(
    `redis-clients: ioredis 6 vs node-redis 5, ${IN_FLIGHT} in flight on one connection, ${int(ops)} calls, median of ${rounds}`
  );
  const out = {};
  for (const [name, r] of Object.entries(results)) {
    out[name] = {getPerSec: median(r.get), casPerSec: median(r.cas)};
    console.log(
      `  ${pad(name, 12)} GET ${pad(int(out[name].getPerSec), 8)}/s   CAS script ${int(out[name].casPerSec)}/s`
    );
  }
  const ratio = {
    get: out['node-redis'].getPerSec / out.ioredis.getPerSec,
    cas: out['node-redis'].casPerSec / out.ioredis.casPerSec,
  };
  console.log(`  node-redis / ioredis: GET ${times(ratio.get)}, CAS ${times(ratio.cas)}`);
  console.log(JSON.stringify({command: 'node bench/redis-clients.mjs', rounds, ops, out, ratio}));
  io.disconnect();
  await nr.quit();
} finally {
  await server.stop();
}

async function opsPerSec(call, n) {
  let next = 0;
  const start = process.hrtime.bigint();
  const worker = async () => {
    while (next++ < n) await call();
  };
  await Promise.all(Array.from({length: IN_FLIGHT}, worker));
  return Math.round(n / (Number(process.hrtime.bigint() - start) / 1e9));
}

function startRedis() {
  return startRedisProcess({prefix: 'moin-bench-clients-'});
}
