import {spawn, type ChildProcess} from 'node:child_process';
import {writeFile} from 'node:fs/promises';
import {fileURLToPath} from 'node:url';
import {afterEach} from 'vitest';
import {makeTempDir, type TempDir} from './temp-dir.js';

/** The bin every CLI test runs (dist/ is built by vitest's global setup). */
export const BIN = fileURLToPath(new URL('../../bin/moin-session.js', import.meta.url));

/** What a finished CLI run printed. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The unprivileged user ("nobody") a root test runs a child as, so file modes bind it. */
export const NOBODY = {uid: 65534, gid: 65534};

/**
 * Runs `node bin/moin-session.js ARGS` to completion; `input` goes to stdin (then EOF). `as`: the
 * user and group the child runs as (needs root).
 */
export function runCli(
  args: string[],
  options: {cwd?: string; input?: string; as?: {uid: number; gid: number}} = {}
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...options.as,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({code, stdout, stderr}));
    child.stdin.end(options.input ?? '');
  });
}

/** A `serve` process that printed its ready line. */
export interface Served {
  url: string;
  child: ChildProcess;
  /** The exact first line of stdout. */
  readyLine: string;
  /** Everything on stderr so far (JSON log lines). */
  stderr(): string;
  /** Everything on stdout so far, the ready line included. */
  stdout(): string;
  /** Sends a signal and resolves with the exit code (and signal, if killed). */
  stop(signal?: NodeJS.Signals): Promise<{code: number | null; signal: NodeJS.Signals | null}>;
  /** Resolves when the process has exited, without sending anything. */
  exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>;
}

/** Starts `serve ARGS` and waits for the ready line (rejects if the process ends first). */
function startServe(args: string[], cwd: string): Promise<Served> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((r) =>
      child.on('exit', (code, signal) => r({code, signal}))
    );
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      const readyLine = out.slice(0, nl);
      const m = /^moin-session listening on (http:\/\/\S+)$/.exec(readyLine);
      if (!m) return reject(new Error(`unexpected first line: ${readyLine}`));
      resolve({
        url: m[1]!,
        child,
        readyLine,
        stderr: () => err,
        stdout: () => out,
        exited,
        stop: (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) child.kill(signal);
          return exited;
        },
      });
    });
    void exited.then(({code}) => reject(new Error(`serve exited (${code}) before ready: ${err}`)));
  });
}

/** A temp folder with a config file whose paths point into it. */
export interface CliFixture {
  dir: TempDir;
  /** The config file's path. */
  config: string;
  usersFile: string;
  dbFile: string;
}

/** Makes a folder with `config.json` (SQLite store, users file, port 0, quiet logs) plus `extra`. */
export async function cliFixture(extra: Record<string, unknown> = {}): Promise<CliFixture> {
  const dir = await makeTempDir('moin-cli-');
  const usersFile = dir.file('data', 'users.json');
  const dbFile = dir.file('data', 'sessions.db');
  const config = dir.file('config.json');
  await writeFile(
    config,
    JSON.stringify({
      store: `sqlite:${dbFile}`,
      users_file: usersFile,
      port: 0,
      log_level: 'warn',
      ...extra,
    })
  );
  return {dir, config, usersFile, dbFile};
}

/** Fixtures and servers of one test file, cleaned up after each test. */
export interface CliTest {
  /** {@link cliFixture}, removed after the test. */
  fixture(extra?: Record<string, unknown>): Promise<CliFixture>;
  /** {@link startServe}, killed after the test if still running. */
  serve(args: string[], cwd: string): Promise<Served>;
  /** An empty temp folder, removed after the test. */
  emptyDir(): Promise<TempDir>;
}

/** Registers an `afterEach` that kills the test's servers and removes its folders. */
export function cliTest(): CliTest {
  const servers: Served[] = [];
  const dirs: TempDir[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.stop('SIGKILL');
    for (const d of dirs.splice(0)) await d.cleanup();
  });
  return {
    async fixture(extra) {
      const fx = await cliFixture(extra);
      dirs.push(fx.dir);
      return fx;
    },
    async emptyDir() {
      const d = await makeTempDir('moin-cli-');
      dirs.push(d);
      return d;
    },
    async serve(args, cwd) {
      const s = await startServe(args, cwd);
      servers.push(s);
      return s;
    },
  };
}
