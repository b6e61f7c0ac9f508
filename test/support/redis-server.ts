import {spawn, type ChildProcess} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {createServer} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {Redis} from 'ioredis';
import {afterAll, afterEach, beforeAll} from 'vitest';

/** How a spawned redis-server persists (the defaults keep nothing on disk). */
export interface RedisServerOptions {
  /** Listen on this port instead of a free one (a restart on the same port). */
  port?: number;
  /** `appendonly yes`: the AOF survives a kill. @default false */
  appendonly?: boolean;
  /** @default "everysec" */
  appendfsync?: 'always' | 'everysec' | 'no';
  /** Data directory (reuse it to restart on the same data). @default a fresh mkdtemp dir */
  dir?: string;
  /** More redis-server arguments (e.g. `['--replicaof', '127.0.0.1', '6379']`). */
  args?: string[];
}

/** A redis-server child process owned by one test suite. */
export interface RedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:PORT` */
  readonly url: string;
  /** The data directory (AOF lives here). */
  readonly dir: string;
  readonly process: ChildProcess;
  /** SIGTERM and wait for the exit; removes the data dir unless `keepDir`. */
  stop(options?: {keepDir?: boolean}): Promise<void>;
  /** SIGKILL (a crash: no shutdown save) and wait for the exit; the data dir is kept. */
  kill(): Promise<void>;
}

const READY = 'Ready to accept connections';
/** What a Sentinel prints once it watches its master (it has no "Ready" line). */
const SENTINEL_READY = '+monitor master';
const IN_USE = /Address already in use/i;
const ATTEMPTS = 5;

/** A free TCP port on 127.0.0.1 (free now; another process may take it before redis binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Spawns `redis-server` on 127.0.0.1 and resolves once it prints "Ready to accept connections".
 * A free port is picked (retried when another process took it first); a missing binary rejects
 * with an install hint, so the calling suite fails rather than skips.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'moin-redis-'));
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      return await spawnOnce(port, dir, serverArgs(port, dir, options), READY);
    } catch (err) {
      lastError = err as Error;
      // Only a lost race for the port is worth another try; with a fixed port, wait for the old
      // process's socket to go away.
      if (!IN_USE.test(lastError.message)) break;
      await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
    }
  }
  if (!options.dir) rmSync(dir, {recursive: true, force: true});
  throw lastError ?? new Error('redis-server did not start');
}

/**
 * Spawns `redis-server --sentinel` on a free port, watching the master `name` at 127.0.0.1:
 * `masterPort` with quorum 2, and resolves once it watches it. Failover timings are short (down
 * after `downAfterMs`), so a test sees a failover within a few seconds.
 */
export async function startSentinel(
  masterPort: number,
  name: string,
  downAfterMs = 1_000
): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'moin-sentinel-'));
  const conf = join(dir, 'sentinel.conf');
  // Sentinel rewrites its config file, so each one gets its own.
  writeFileSync(
    conf,
    [
      `sentinel monitor ${name} 127.0.0.1 ${masterPort} 2`,
      `sentinel down-after-milliseconds ${name} ${downAfterMs}`,
      `sentinel failover-timeout ${name} 10000`,
      `sentinel parallel-syncs ${name} 1`,
      '',
    ].join('\n')
  );
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = await freePort();
    const args = [conf, '--sentinel', '--port', String(port), '--bind', '127.0.0.1'];
    args.push('--dir', dir, '--daemonize', 'no');
    try {
      return await spawnOnce(port, dir, args, SENTINEL_READY);
    } catch (err) {
      lastError = err as Error;
      if (!IN_USE.test(lastError.message)) break;
    }
  }
  rmSync(dir, {recursive: true, force: true});
  throw lastError ?? new Error('redis-server --sentinel did not start');
}

function serverArgs(port: number, dir: string, options: RedisServerOptions): string[] {
  // Arguments as an array, so `''` (no RDB snapshots) reaches redis as an empty string.
  return [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    options.appendonly ? 'yes' : 'no',
    '--appendfsync',
    options.appendfsync ?? 'everysec',
    '--dir',
    dir,
    '--daemonize',
    'no',
    ...(options.args ?? []),
  ];
}

function spawnOnce(port: number, dir: string, args: string[], ready: string): Promise<RedisServer> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn('redis-server', args, {stdio: ['ignore', 'pipe', 'pipe']});
    } catch (err) {
      reject(missingBinary(err));
      return;
    }
    let output = '';
    let settled = false;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      child.kill('SIGKILL');
      reject(err);
    };
    const timer = setTimeout(
      () => fail(new Error(`redis-server not ready in 10 s:\n${output}`)),
      10_000
    );
    child.once('error', (err) => {
      clearTimeout(timer);
      fail(missingBinary(err));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`redis-server exited with code ${code} before it was ready:\n${output}`));
    });
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (settled || !output.includes(ready)) return;
      settled = true;
      clearTimeout(timer);
      const stopWith = async (signal: NodeJS.Signals) => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        // A redis-server that does not stop within 5 s of SIGTERM (one waiting for a replica, or a
        // disk busy with the rest of the suite) is killed: a test's clean-up must not hang.
        const late = setTimeout(() => {
          console.error(`redis-server on port ${port} ignored ${signal} for 5 s; killing it`);
          child.kill('SIGKILL');
        }, 5_000);
        await exited;
        clearTimeout(late);
      };
      resolve({
        port,
        url: `redis://127.0.0.1:${port}`,
        dir,
        process: child,
        async stop(opts = {}) {
          await stopWith('SIGTERM');
          if (!opts.keepDir) rmSync(dir, {recursive: true, force: true});
        },
        kill: () => stopWith('SIGKILL'),
      });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
}

function missingBinary(err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') {
    return new Error(
      'redis-server is not installed or not on PATH; the Redis tests need it: apt-get install redis-server'
    );
  }
  return e instanceof Error ? e : new Error(String(e));
}

/** One short-lived command on 127.0.0.1:port (a look at a node the way another process would). */
export async function askRedis<T>(port: number, run: (c: Redis) => Promise<T>): Promise<T> {
  const c = new Redis({port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0});
  c.on('error', () => {});
  try {
    await c.connect();
    return await run(c);
  } finally {
    c.disconnect();
  }
}

/** What {@link useRedisServer} gives a test file. */
export interface RedisSuite {
  /** The file's redis-server (set in beforeAll). */
  server: RedisServer;
  /** A plain client on it, to look at keys the way another process would. */
  raw: Redis;
  /** Buses and stores to close after each test. */
  open: {close(): Promise<void>}[];
}

/**
 * One spawned redis-server for a whole test file, with a plain client on it, both stopped after
 * the file; whatever was pushed to `open` is closed after each test.
 */
export function useRedisServer(): RedisSuite {
  const suite = {open: []} as unknown as RedisSuite;
  beforeAll(async () => {
    suite.server = await startRedisServer();
    suite.raw = new Redis(suite.server.url);
  });
  afterAll(async () => {
    suite.raw.disconnect();
    await suite.server.stop();
  });
  afterEach(async () => {
    await Promise.all(suite.open.splice(0).map((x) => x.close()));
  });
  return suite;
}
