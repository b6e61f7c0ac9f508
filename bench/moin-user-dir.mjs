// Start-up and login time of the moin method on a directory of N accounts (default 50,000), with
// the page cache warm and cold (the files' pages dropped with posix_fadvise(DONTNEED) by python3,
// as after a reboot), against the sequential read of every file the index was built with before.
// Usage: npm run build && node bench/moin-user-dir.mjs [N]
import {execFileSync} from 'node:child_process';
import {createHash, randomBytes} from 'node:crypto';
import {mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {MoinUserDirectory} from '../dist/server/users/moin-user-directory.js';
import {parseMoinUserFile} from '../dist/server/users/moin-user-file.js';

const n = Number(process.argv[2] ?? 50_000);
const dir = mkdtempSync(join(tmpdir(), 'moin-bench-'));
const salt = randomBytes(20);
const ssha = Buffer.concat([
  createHash('sha1')
    .update(Buffer.concat([Buffer.from('pw'), salt]))
    .digest(),
  salt,
]);
for (let i = 0; i < n; i++) {
  const id = `${1700000000 + i}.${i % 100}.${i % 65536}`;
  writeFileSync(
    join(dir, id),
    `# Data saved for id '${id}'\naliasname=\ndisabled=0\nemail=u${i}@example.org\nenc_password={SSHA}${ssha.toString('base64')}\nname=User${i}\nquicklinks[]=FrontPage\tRecentChanges\ntheme_name=modernized\n`
  );
}

const EVICT = `
import os, sys
d = sys.argv[1]
for f in os.listdir(d):
    fd = os.open(os.path.join(d, f), os.O_RDONLY)
    os.fdatasync(fd)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)
`;
const evict = () => execFileSync('python3', ['-c', EVICT, dir]);

// The index as it was built before: every file read and parsed in turn on the main thread.
function sequential() {
  const t = performance.now();
  let k = 0;
  for (const id of readdirSync(dir).sort()) if (parseMoinUserFile(readFileSync(join(dir, id)))) k++;
  if (k !== n) throw new Error(`sequential read ${k} of ${n}`);
  return performance.now() - t;
}
async function parallel() {
  const t = performance.now();
  const d = new MoinUserDirectory(dir);
  await d.ready();
  const ms = performance.now() - t;
  if (d.size !== n) throw new Error(`indexed ${d.size} of ${n}`);
  return {ms, d};
}

// The files just written are on their way to the disk first; then each way runs twice, warm and
// cold, alternating, and the better run of each counts (the machine is shared).
execFileSync('sync');
let warmBefore = Infinity;
let warm = Infinity;
let coldBefore = Infinity;
let cold = Infinity;
let d;
for (let round = 0; round < 2; round++) {
  warmBefore = Math.min(warmBefore, sequential());
  const w = await parallel();
  warm = Math.min(warm, w.ms);
  d?.close();
  d = w.d;
  evict();
  coldBefore = Math.min(coldBefore, sequential());
  evict();
  const c = await parallel();
  cold = Math.min(cold, c.ms);
  c.d.close();
}
const times = [];
for (let i = 0; i < 200; i++) {
  const t = performance.now();
  await d.verify(`User${(i * 7919) % n}`, 'pw');
  times.push(performance.now() - t);
}
times.sort((a, b) => a - b);
const t2 = performance.now();
for (let i = 0; i < 1000; i++) d.get(`User${i}`);
const get = (performance.now() - t2) / 1000;
const f = (ms) => `${ms.toFixed(0)} ms`;
console.log(
  `moin user_dir: ${d.size} accounts (load average ${readFileSync('/proc/loadavg', 'utf8').split(' ')[0]})`
);
console.log(
  `  start-up, warm cache: ${f(warm)}  (sequential read + parse, no index: ${f(warmBefore)}; ${(warmBefore / warm).toFixed(1)}×)`
);
console.log(
  `  start-up, cold cache: ${f(cold)}  (sequential read + parse, no index: ${f(coldBefore)}; ${(coldBefore / cold).toFixed(1)}×)`
);
console.log(
  `  {SSHA} login median ${times[100].toFixed(2)} ms, p99 ${times[198].toFixed(2)} ms; get ${(get * 1000).toFixed(1)} µs; rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`
);
d.close();
rmSync(dir, {recursive: true, force: true});
