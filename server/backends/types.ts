import type {Config} from '../../shared/index.js';
import type {SessionBus} from '../bus/types.js';
import type {ThrottleCounter, ThrottleCounterOptions} from '../http/throttle-counter.js';
import type {CommitInfo} from '../store/sqlite-group-commit.js';
import type {SessionStore} from '../store/types.js';

/** The config keys a backend may read. */
export type BackendConfig = Pick<Config, 'store' | 'redis_prefix' | 'redis_wait_replicas'>;

/** How the process opening a store wants it run. */
export interface StoreOpenOptions {
  /**
   * `false` (a CLI command): no maintenance timers of its own; the server's store does the
   * periodic purge. @default true
   */
  background?: boolean;
  /** The clock that decides what the purge timer removes (the service's clock). @default Date.now */
  now?: () => number;
  /** Hears failures of the store's background work (a purge timer, the file found deleted). */
  onError?: (error: unknown) => void;
  /** Hears every transaction of a store that has them (SQLite), e.g. for a latency histogram. */
  onCommit?: (info: CommitInfo) => void;
}

/** Where a bus reports connection state changes (`redis_down`, …), for the log. */
export type BusLog = (event: string, fields: Record<string, unknown>) => void;

/**
 * One kind of `store` URL: how to open its store and its bus, and what the CLI needs to know.
 * A new backend is one file in this folder, listed in `BACKENDS` (index.ts), plus its run of the
 * store conformance suite.
 */
export interface StoreBackend {
  /** True when a `store` URL belongs to this backend (the config already checked its syntax). */
  matches(url: string): boolean;
  /** The store lives inside one server process: the CLI cannot reach it; `serve` warns. */
  readonly inProcess: boolean;
  openStore(config: BackendConfig, options?: StoreOpenOptions): SessionStore;
  /** The bus for the servers on this store; `store` lets a resync wait until the store answers. */
  openBus(config: BackendConfig, log?: BusLog, store?: Pick<SessionStore, 'ping'>): SessionBus;
  /**
   * Where the login throttle counts attempts: shared by every instance on the store when it can
   * be (Redis), else in this process (`now` is the service's clock, used by in-process counters).
   */
  openThrottle(
    config: BackendConfig,
    options: ThrottleCounterOptions & {now?: () => number}
  ): ThrottleCounter;
}
