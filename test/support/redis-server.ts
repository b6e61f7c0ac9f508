import {spawn, type ChildProcess} from 'node:child_process';
import {mkdtempSync, rmSync} from 'node:fs';
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
      return await spawnOnce(port, dir, options);
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

function spawnOnce(port: number, dir: string, options: RedisServerOptions): Promise<RedisServer> {
  // Arguments as an array, so `''` (no RDB snapshots) reaches redis as an empty string.
  const args = [
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
  ];
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
      if (settled || !output.includes(READY)) return;
      settled = true;
      clearTimeout(timer);
      const stopWith = async (signal: NodeJS.Signals) => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        await exited;
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
