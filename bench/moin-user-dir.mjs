// Start-up and login time of the moin method on a directory of N accounts (default 50,000).
// Usage: npm run build && node bench/moin-user-dir.mjs [N]
import {createHash, randomBytes} from 'node:crypto';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {MoinUserDirectory} from '../dist/server/users/moin-user-directory.js';

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
const t0 = performance.now();
const d = new MoinUserDirectory(dir);
const start = performance.now() - t0;
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
console.log(
  `moin user_dir: ${d.size} accounts; start-up ${start.toFixed(0)} ms; {SSHA} login median ${times[100].toFixed(2)} ms, p99 ${times[198].toFixed(2)} ms; get ${(get * 1000).toFixed(1)} µs; rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`
);
d.close();
rmSync(dir, {recursive: true, force: true});
