import {mkdir, writeFile} from 'node:fs/promises';
import {createSessionService, type SessionService} from '../../server/service.js';
import type {SessionStore} from '../../server/store/types.js';
import {createLogger, type Logger} from '../../server/log.js';
import {HttpClient} from './http-client.js';
import {MemoryUsers} from './memory-users.js';
import {makeTempDir, type TempDir} from './temp-dir.js';

/** Passwords of the users every test service has. */
export const PASSWORDS = {
  Admin: 'admin-pw',
  Root: 'root-pw',
  Alice: 'alice-pw',
  Bob: 'bob-pw',
  Carol: 'carol-pw',
} as const;

/** A clock the test moves by hand; starts 30 s into a minute (expiry rounds to minutes). */
class FakeClock {
  ms = Date.UTC(2026, 10, 26, 12, 0, 30);
  now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** A running service on a loopback port with its collaborators. */
export interface TestService {
  url: string;
  service: SessionService;
  users: MemoryUsers;
  clock: FakeClock;
  dir: TempDir;
  /** A fresh browser-like client. */
  client(): HttpClient;
  /** Stops the service and removes its temp folder. */
  close(): Promise<void>;
}

/** Options of {@link startService}. */
export interface StartOptions {
  /** Files to create under the package root (e.g. index.html). */
  files?: Record<string, string>;
  /** Keep the clock real (default: a {@link FakeClock}). */
  realClock?: boolean;
  /** Reuse this folder (and its sessions.db) instead of a fresh one; it is not removed on close. */
  dir?: TempDir;
  /** Reuse this clock (a restart keeps the time). */
  clock?: FakeClock;
  /** Reuse this user directory (a restart keeps the users). */
  users?: MemoryUsers;
  /** Use this store instead of the SQLite file. */
  store?: SessionStore;
  /** Collect the service's log lines (level info and up) here instead of dropping them. */
  logLines?: string[];
}

/**
 * Starts a service on 127.0.0.1:0 with a real SQLite file in a fresh temp folder, the users of
 * {@link PASSWORDS} (Admin and Root are superusers, Carol is disabled), logging off, and a fake
 * clock. `config` overrides the test defaults.
 */
export async function startService(
  config: Record<string, unknown> = {},
  options: StartOptions = {}
): Promise<TestService> {
  const dir = options.dir ?? (await makeTempDir('moin-http-'));
  const users = options.users ?? defaultUsers();
  for (const [path, text] of Object.entries(options.files ?? {})) {
    const full = dir.file('root', path);
    await mkdir(full.slice(0, full.lastIndexOf('/')), {recursive: true});
    await writeFile(full, text);
  }
  const clock = options.clock ?? new FakeClock();
  const service = createSessionService(
    {
      store: `sqlite:${dir.file('sessions.db')}`,
      superuser: ['Admin', 'Root'],
      log_level: 'silent',
      ...config,
    },
    {
      users,
      root: dir.file('root'),
      ...(options.realClock ? {} : {now: clock.now}),
      ...(options.store ? {store: options.store} : {}),
      ...(options.logLines ? {logger: collectingLogger(options.logLines)} : {}),
    }
  );
  const {url} = await service.listen(0, '127.0.0.1');
  let closing: Promise<void> | undefined;
  return {
    url,
    service,
    users,
    clock,
    dir,
    client: () => new HttpClient(url),
    // Idempotent: afterEach and a restart helper may both close the same service.
    close: () =>
      (closing ??= (async () => {
        await service.close();
        if (!options.dir) await dir.cleanup();
      })()),
  };
}

/** The users of {@link PASSWORDS}; Carol is disabled. */
export function defaultUsers(): MemoryUsers {
  const users = new MemoryUsers();
  for (const [name, pw] of Object.entries(PASSWORDS)) users.add(name, pw);
  return users.setDisabled('Carol', true);
}

function collectingLogger(lines: string[]): Logger {
  return createLogger('info', {destination: {write: (line: string) => void lines.push(line)}});
}

/** Services started one after another on the same store file, users and clock (restarts). */
export interface Restarts {
  /** Stops the previous service, if any, and starts a new one with this config. */
  start(config?: Record<string, unknown>): Promise<TestService>;
  /** Stops the last service and removes the folder. */
  cleanup(): Promise<void>;
}

/** Makes a {@link Restarts}; call `cleanup` when the test ends (`onTestFinished`). */
export async function restarts(): Promise<Restarts> {
  const dir = await makeTempDir('moin-restart-');
  const clock = new FakeClock();
  const users = defaultUsers();
  let current: TestService | null = null;
  return {
    async start(config = {}) {
      await current?.close();
      current = await startService(config, {dir, clock, users});
      return current;
    },
    async cleanup() {
      await current?.close();
      current = null;
      await dir.cleanup();
    },
  };
}
