// Idle memory per anonymous WebSocket (issue 10, finding 4), next to a logged-in one: not a test,
// not part of `npm run bench`. Against dist/ (`npm run build` first): the server in its own process
// (bench/ws-target.mjs, default config, a fresh SQLite file), the clients here on loopback. Opens
// `--sockets` anonymous sockets (no cookie, as a visitor's page before anything is stored) in
// `--batches` batches with a settled RSS (two full GCs) before and after each, then closes them and
// does the same with as many logged-in sockets (one session each). Bytes per socket is the median
// batch's. The anonymous sockets come from several loopback addresses (127.1.x.y), at most the
// default `max_sockets_per_address` (100) each, so the default caps apply unchanged.
//
// `node bench/ws-anonymous-idle.mjs [--sockets 1000] [--batches 5]`
import {fileURLToPath} from 'node:url';
import {parseArgs} from 'node:util';
import {WebSocket} from 'ws';
import {startTarget} from './lib/child.mjs';
import {int} from './lib/format.mjs';
import {settledRssBytes} from './lib/proc.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const {values} = parseArgs({
  options: {
    sockets: {type: 'string', default: '1000'},
    batches: {type: 'string', default: '5'},
  },
});
const sockets = Number(values.sockets);
const batches = Number(values.batches);
const PER_ADDRESS = 100;

/** Opens socket `i` (with `cookie`, or none) and resolves once its first session view arrived. */
function connect(target, i, cookie) {
  const k = Math.floor(i / PER_ADDRESS);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(target.url.replace(/^http/, 'ws') + '/api/sync', {
      origin: target.origin,
      localAddress: `127.1.${Math.floor(k / 250)}.${(k % 250) + 1}`,
      ...(cookie ? {headers: {cookie}} : {}),
    });
    ws.once('message', (data) => {
      const first = JSON.parse(String(data));
      if (first.type !== 'session' || first.session.stored !== Boolean(cookie)) {
        reject(new Error(`unexpected first frame ${String(data).slice(0, 200)}`));
      } else resolve(ws);
    });
    ws.once('unexpected-response', (_q, res) =>
      reject(new Error(`upgrade refused: ${res.statusCode}`))
    );
    ws.once('error', reject);
  });
}

/** Opens one socket per entry of `cookies` in batches; the median batch's bytes per socket. */
async function measure(target, cookies) {
  const open = [];
  const steps = [];
  const size = Math.ceil(cookies.length / batches);
  const first = await settledRssBytes(target.pid);
  let before = first;
  for (let i = 0; i < cookies.length; i += size) {
    const batch = [];
    for (let j = i; j < Math.min(i + size, cookies.length); j += 250) {
      const upTo = Math.min(j + 250, i + size, cookies.length);
      const idx = Array.from({length: upTo - j}, (_, d) => j + d);
      batch.push(...(await Promise.all(idx.map((n) => connect(target, n, cookies[n])))));
    }
    open.push(...batch);
    const after = await settledRssBytes(target.pid);
    steps.push(Math.round((after - before) / batch.length));
    before = after;
  }
  const median = [...steps].sort((a, b) => a - b)[Math.floor(steps.length / 2)];
  for (const ws of open) ws.terminate();
  await new Promise((r) => setTimeout(r, 1000));
  return {sockets: open.length, rssBeforeMiB: mib(first), rssAfterMiB: mib(before), median, steps};
}

const mib = (b) => Math.round((b / 2 ** 20) * 10) / 10;

const target = await startTarget(here('./ws-target.mjs'), [String(sockets), '1'], {
  nodeArgs: ['--expose-gc'],
});
try {
  const anonymous = await measure(target, Array(sockets).fill(undefined));
  const loggedIn = await measure(target, target.cookies);
  for (const [name, m] of [
    ['anonymous', anonymous],
    ['logged-in', loggedIn],
  ]) {
    console.log(
      `idle ${name} sockets: ${int(m.sockets)}, server RSS ${m.rssBeforeMiB} → ${m.rssAfterMiB} ` +
        `MiB, ${int(m.median)} B per socket (batches: ${m.steps.map(int).join(', ')})`
    );
  }
  console.log(`anonymous / logged-in: ${(anonymous.median / loggedIn.median).toFixed(2)}`);
  console.log(JSON.stringify({anonymous, loggedIn}));
} finally {
  await target.stop();
}
