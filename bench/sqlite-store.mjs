// Mutate throughput of the SQLite store on ONE session: group commit on/off × synchronous
// FULL/NORMAL, with 1 caller (each visit awaited before the next) and with 100 concurrent callers
// (like 100 sockets sending visits). Not a test; needs `npm run build`.
//   node bench/sqlite-store.mjs [--seconds 3]
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {parseArgs} from 'node:util';
import {SqliteStore} from '../dist/server/store/sqlite-store.js';

const {values} = parseArgs({options: {seconds: {type: 'string', default: '3'}}});
const seconds = Number(values.seconds);

async function run({groupCommit, synchronous, callers}) {
  const dir = mkdtempSync(join(tmpdir(), 'moin-bench-sqlite-'));
  let commits = 0;
  const store = new SqliteStore(join(dir, 'sessions.db'), {
    groupCommit,
    synchronous,
    onCommit: () => commits++,
  });
  const now = Date.now();
  const base = {user: null, rememberMe: false, suTarget: null, data: {}, rev: 1, createdAt: now};
  await store.insert({...base, key: 'k', trail: [], ops: '', expiresAt: now + 3_600_000});
  let done = 0;
  const until = performance.now() + seconds * 1000;
  const caller = async (c) => {
    for (let i = 0; performance.now() < until; i++) {
      const id = `c${c}-${i}`;
      await store.mutate('k', {type: 'visit', page: `P-${id}`, trailSize: 5, opId: id}, now);
      done++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({length: callers}, (_, c) => caller(c)));
  const elapsed = (performance.now() - started) / 1000;
  await store.close();
  rmSync(dir, {recursive: true, force: true});
  return {
    visitsPerSecond: Math.round(done / elapsed),
    writesPerCommit: +(done / commits).toFixed(1),
  };
}

console.log(`sqlite store, one session, ${seconds} s per row (node ${process.version})`);
console.log('callers  group commit  synchronous  visits/s  writes/commit');
for (const callers of [1, 100]) {
  for (const groupCommit of [true, false]) {
    for (const synchronous of ['FULL', 'NORMAL']) {
      const r = await run({groupCommit, synchronous, callers});
      console.log(
        `${String(callers).padStart(7)}  ${String(groupCommit).padEnd(12)}  ${synchronous.padEnd(11)}` +
          `  ${String(r.visitsPerSecond).padStart(8)}  ${String(r.writesPerCommit).padStart(13)}`
      );
    }
  }
}
