// redis-server for the benchmarks: the same recipe as test/support/redis-server.ts, in plain
// JavaScript (the benchmarks are .mjs and do not load the TypeScript test helpers).
import {spawn, spawnSync} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

/** A free TCP port on 127.0.0.1 (free when asked; a server started on it may still race). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const {port} = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Spawns `redis-server` on a free loopback port with no RDB snapshots, its data in a temp folder,
 * and resolves once it prints `ready`. `args` go after the port options; `conf(dir)` may write a
 * config file into the data folder and return its path (a Sentinel needs one). A port taken in the
 * meantime is tried again, up to 5 times. Resolves `{port, url, version, stop()}`.
 */
export async function startRedisProcess({
  args = [],
  conf,
  ready = 'Ready to accept connections',
  prefix = 'moin-bench-redis-',
} = {}) {
  const version = spawnSync('redis-server', ['--version'], {encoding: 'utf8'});
  if (version.error) throw new Error('redis-server is not installed: apt-get install redis-server');
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const file = conf?.(dir);
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const child = spawn(
      'redis-server',
      [
        ...(file ? [file] : []),
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--dir',
        dir,
        ...args,
      ],
      {stdio: ['ignore', 'pipe', 'pipe']}
    );
    const started = await new Promise((resolve) => {
      let out = '';
      const onData = (d) => {
        out += d;
        if (out.includes(ready)) resolve(true);
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', () => resolve(/Address already in use/.test(out) ? false : out));
    });
    if (started === false) continue;
    if (started !== true) {
      rmSync(dir, {recursive: true, force: true});
      throw new Error(`redis-server failed:\n${started}`);
    }
    const exited = new Promise((r) => child.once('exit', r));
    return {
      port,
      url: `redis://127.0.0.1:${port}`,
      version: /v=(\S+)/.exec(version.stdout)?.[1] ?? '?',
      async stop() {
        child.kill('SIGTERM');
        await exited;
        rmSync(dir, {recursive: true, force: true});
      },
    };
  }
  rmSync(dir, {recursive: true, force: true});
  throw new Error('redis-server: no free port after 5 attempts');
}
