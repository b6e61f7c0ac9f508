/**
 * The configuration schema: one typed defaults object and one validation pass. Keys are MoinMoin's
 * wikiconfig names; extra keys of ours are marked. Unknown keys and wrong types are errors naming
 * the key, never silently ignored.
 */
import {closestName} from './closest-name.js';
import {COOKIE_BASE_NAME} from './constants.js';

/** The levels `log_level` and `--log-level` accept, quietest last (pino's names). */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The fully resolved configuration the rest of the code sees. */
export interface Config {
  /** `null` → cookie `MOIN_SESSION`; a string S → `MOIN_SESSION_S`. @default null */
  cookie_name: string | null;
  /** `Domain` attribute; null → none. @default null */
  cookie_domain: string | null;
  /** `Path` attribute; null → `/`. @default null */
  cookie_path: string | null;
  /** Hours `[anonymous, logged_in]`, fractions allowed (1.9 semantics). @default [0, 12] */
  cookie_lifetime: [number, number];
  /** null → Secure only on https; true/false force it. @default null */
  cookie_secure: boolean | null;
  /** @default true (1.9: false) */
  cookie_httponly: boolean;
  /** @default "Lax" */
  cookie_samesite: 'Strict' | 'Lax' | 'None';
  /** Newest N pages kept; 0 turns the trail off. @default 5 */
  trail_size: number;
  /** User names allowed to change user. @default [] */
  superuser: string[];
  /** `sqlite:PATH`, `redis://…`, `redis+sentinel://…` or `memory:`. @default "sqlite:./data/sessions.db" */
  store: string;
  /** The user directory file. @default "./data/users.json" */
  users_file: string;
  /** Origins allowed besides the server's own. @default [] */
  allowed_origins: string[];
  /** Believe X-Forwarded-Proto / X-Forwarded-For. @default false */
  trust_proxy: boolean;
  /** Where `serve` listens. @default "127.0.0.1" */
  host: string;
  /** @default 8080 */
  port: number;
  /** (ours) pino level, one of {@link LOG_LEVELS}. @default "info" */
  log_level: LogLevel;
  /** (ours) Prefix of every Redis key and channel. @default "moin:" */
  redis_prefix: string;
  /** (ours) Failed logins per name or address before 429, within `login_window_seconds`. @default 5 */
  login_max_failures: number;
  /** (ours) @default 900 */
  login_window_seconds: number;
  /** (ours) Open WebSockets one session may hold. @default 20 */
  max_sockets_per_session: number;
  /** (ours) Sustained visits per second per socket. @default 20 */
  visit_rate: number;
  /** (ours) Visits a socket may send at once (a reconnecting client flushing its queue). @default 60 */
  visit_burst: number;
  /** (ours) Seconds between WebSocket pings; a socket that misses one is dropped. @default 30 */
  ping_interval_seconds: number;
  // issue 14: the wiki back end's API
  /** File holding the secret of `/api/backend/*` (≥ 32 characters, mode 0600); null → no such API. @default null */
  backend_token_file: string | null;
  // issue 10a: login concurrency, stored-session budget per address.
  /** (ours) Password checks that run at once (each holds a libuv pool thread). @default 2 */
  login_concurrent_checks: number;
  /** (ours) Password checks that may wait for a place; past it a login is 503 login_busy. @default 64 */
  login_queue_size: number;
  /** (ours) New anonymous sessions one address may have stored per minute (burst and rate). @default 120 */
  new_sessions_per_address: number;
  // issue 10b: limits against hostile clients and accounts that pile up sessions.
  /** (ours) Live sessions one user may hold; a login past it ends the oldest. 0: no cap. @default 50 */
  max_sessions_per_user: number;
  /**
   * (ours) Absolute lifetime of a remembered login in hours, counted from the login, however
   * active (OWASP absolute timeout); the cookie keeps 1.9's 10 years. 0: none. @default 0
   */
  remember_me_max_hours: number;
  /** (ours) Open WebSockets from one address. @default 100 */
  max_sockets_per_address: number;
  /**
   * (ours) Open WebSockets in all; 0 derives it from the descriptor limit (RLIMIT_NOFILE): half
   * of what is left after 128 kept for HTTP and the store. @default 0
   */
  max_sockets: number;
  // issue 13: the auth chain
  /** Ordered login methods, as 1.9's `cfg.auth`. @default [{"method": "users_file"}] */
  auth: AuthMethodConfig[];
  // issue 16: Redis Sentinel / Cluster
  /** (ours) With Redis, acks and state-changing answers wait until N replicas hold the write. @default 0 */
  redis_wait_replicas: number;
}

/** One entry of the `auth` list (issue 13). */
export type AuthMethodConfig =
  | {method: 'users_file'}
  | {method: 'moin'; user_dir: string}
  | ({method: 'given'; header: string} & GivenOptions);

/** 1.9 GivenAuth's name rewriting options; all default to false. */
export interface GivenOptions {
  strip_maildomain: boolean;
  strip_windomain: boolean;
  titlecase: boolean;
  remove_blanks: boolean;
  autocreate: boolean;
}

/** The defaults, frozen. */
export const DEFAULT_CONFIG: Readonly<Config> = Object.freeze({
  cookie_name: null,
  cookie_domain: null,
  cookie_path: null,
  cookie_lifetime: [0, 12],
  cookie_secure: null,
  cookie_httponly: true,
  cookie_samesite: 'Lax',
  trail_size: 5,
  superuser: [],
  store: 'sqlite:./data/sessions.db',
  users_file: './data/users.json',
  allowed_origins: [],
  trust_proxy: false,
  host: '127.0.0.1',
  port: 8080,
  log_level: 'info',
  redis_prefix: 'moin:',
  login_max_failures: 5,
  login_window_seconds: 900,
  max_sockets_per_session: 20,
  visit_rate: 20,
  visit_burst: 60,
  ping_interval_seconds: 30,
  // issue 14
  backend_token_file: null,
  // issue 10a
  login_concurrent_checks: 2,
  login_queue_size: 64,
  new_sessions_per_address: 120,
  // issue 10b
  max_sessions_per_user: 50,
  remember_me_max_hours: 0,
  max_sockets_per_address: 100,
  max_sockets: 0,
  // issue 13: the auth chain
  auth: [{method: 'users_file'}],
  // issue 16: Redis Sentinel / Cluster
  redis_wait_replicas: 0,
} satisfies Config);

/** A configuration problem; `key` names the offending key. */
export class ConfigError extends Error {
  override name = 'ConfigError' as const;
  readonly key: string;
  constructor(key: string, problem: string) {
    super(`config: ${key}: ${problem}`);
    this.key = key;
  }
}

type Check = (value: unknown, key: string) => unknown;

const str: Check = (v, k) => {
  if (typeof v !== 'string') throw new ConfigError(k, `must be a string, got ${describe(v)}`);
  return v;
};
const nullableStr: Check = (v, k) => (v === null ? null : str(v, k));
const bool: Check = (v, k) => {
  if (typeof v !== 'boolean') throw new ConfigError(k, `must be true or false, got ${describe(v)}`);
  return v;
};
const finite = (v: unknown, k: string): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new ConfigError(k, `must be a number, got ${describe(v)}`);
  }
  return v;
};
const intRange =
  (min: number, max: number): Check =>
  (v, k) => {
    const n = finite(v, k);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new ConfigError(k, `must be a whole number from ${min} to ${max}, got ${n}`);
    }
    return n;
  };
const oneOf =
  (...allowed: string[]): Check =>
  (v, k) => {
    if (typeof v !== 'string' || !allowed.includes(v)) {
      throw new ConfigError(
        k,
        `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${describe(v)}`
      );
    }
    return v;
  };
const stringList: Check = (v, k) => {
  if (!Array.isArray(v)) throw new ConfigError(k, `must be a list of strings, got ${describe(v)}`);
  v.forEach((item, i) => str(item, `${k}[${i}]`));
  return [...(v as string[])];
};

const CHECKS: {[K in keyof Config]: Check} = {
  cookie_name: (v, k) => {
    const s = nullableStr(v, k);
    if (typeof s === 'string' && !/^[A-Za-z0-9_.-]{1,64}$/.test(s)) {
      throw new ConfigError(k, 'may hold only letters, digits, "_", "." and "-" (1-64 characters)');
    }
    return s;
  },
  cookie_domain: (v, k) => {
    const s = nullableStr(v, k);
    if (typeof s === 'string' && !/^\.?[A-Za-z0-9.-]+$/.test(s))
      throw new ConfigError(k, 'is not a domain name');
    return s;
  },
  cookie_path: (v, k) => {
    const s = nullableStr(v, k);
    if (typeof s === 'string' && (!s.startsWith('/') || /[;\s]/.test(s))) {
      throw new ConfigError(k, 'must start with "/" and hold no ";" or spaces');
    }
    return s;
  },
  cookie_lifetime: (v, k) => {
    if (!Array.isArray(v) || v.length !== 2) {
      throw new ConfigError(k, `must be [anonymous_hours, logged_in_hours], got ${describe(v)}`);
    }
    const pair = [finite(v[0], `${k}[0]`), finite(v[1], `${k}[1]`)] as [number, number];
    // Beyond 10 years nothing changes (remember_me is 10 years); reject obvious typos.
    pair.forEach((h, i) => {
      if (Math.abs(h) > 87_600)
        throw new ConfigError(`${k}[${i}]`, 'is more than 10 years of hours');
    });
    return pair;
  },
  cookie_secure: (v, k) => (v === null ? null : bool(v, k)),
  cookie_httponly: bool,
  cookie_samesite: oneOf('Strict', 'Lax', 'None'),
  trail_size: intRange(0, 1000),
  superuser: stringList,
  store: (v, k) => {
    const s = str(v, k) as string;
    if (s === 'memory:') return s;
    if (s.startsWith('sqlite:') && s.length > 'sqlite:'.length) return s;
    if (/^rediss?:\/\/[^/\s]+(\/\d+)?$/.test(s)) return s;
    if (/^rediss?\+sentinel:\/\/[^/\s]+\/[^/\s]+(\/\d+)?$/.test(s)) return s;
    // issue 16: seed nodes of a Redis Cluster (database 0 only, the one a cluster has).
    if (/^rediss?\+cluster:\/\/[^/\s]+(\/0)?$/.test(s)) return s;
    throw new ConfigError(
      k,
      `must be "sqlite:PATH", "redis://HOST:PORT[/DB]", ` +
        `"redis+sentinel://HOST:PORT[,HOST:PORT…]/MASTER_NAME[/DB]", ` +
        `"redis+cluster://HOST:PORT[,HOST:PORT…]" or "memory:", got "${s}"`
    );
  },
  users_file: (v, k) => {
    const s = str(v, k) as string;
    if (s === '') throw new ConfigError(k, 'must not be empty');
    return s;
  },
  allowed_origins: (v, k) => {
    const list = stringList(v, k) as string[];
    list.forEach((o, i) => {
      if (!/^https?:\/\/[^/\s]+$/.test(o)) {
        throw new ConfigError(
          `${k}[${i}]`,
          `must be an origin like "https://wiki.example.org" (no path), got "${o}"`
        );
      }
    });
    return list;
  },
  trust_proxy: bool,
  host: str,
  port: intRange(0, 65535),
  log_level: oneOf(...LOG_LEVELS),
  redis_prefix: str,
  login_max_failures: intRange(1, 1000),
  login_window_seconds: intRange(1, 86_400),
  max_sockets_per_session: intRange(1, 10_000),
  visit_rate: intRange(1, 100_000),
  visit_burst: intRange(1, 100_000),
  ping_interval_seconds: intRange(1, 3600),
  // issue 14: the file itself is read (length, mode) when the service starts.
  backend_token_file: (v, k) => {
    const s = nullableStr(v, k);
    if (s === '') throw new ConfigError(k, 'must not be empty (use null to turn the API off)');
    return s;
  },
  // issue 10a
  login_concurrent_checks: intRange(1, 64),
  login_queue_size: intRange(0, 100_000),
  new_sessions_per_address: intRange(1, 1_000_000),
  // issue 10b
  max_sessions_per_user: intRange(0, 100_000),
  remember_me_max_hours: intRange(0, 87_600),
  max_sockets_per_address: intRange(1, 1_000_000),
  max_sockets: intRange(0, 1_000_000),
  // issue 13: the auth chain
  auth: (v, k) => checkAuth(v, k),
  // issue 16: Redis Sentinel / Cluster
  redis_wait_replicas: intRange(0, 100),
};

const GIVEN_FLAGS = [
  'strip_maildomain',
  'strip_windomain',
  'titlecase',
  'remove_blanks',
  'autocreate',
] as const;
const AUTH_KEYS: Record<string, readonly string[]> = {
  users_file: [],
  moin: ['user_dir'],
  given: ['header', ...GIVEN_FLAGS],
};

function checkAuth(v: unknown, k: string): AuthMethodConfig[] {
  if (!Array.isArray(v) || v.length === 0) {
    throw new ConfigError(
      k,
      `must be a non-empty list of {"method": …} objects, got ${describe(v)}`
    );
  }
  const seen = new Set<string>();
  return v.map((entry: unknown, i) => {
    const at = `${k}[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new ConfigError(
        at,
        `must be an object like {"method": "users_file"}, got ${describe(entry)}`
      );
    }
    const e = entry as Record<string, unknown>;
    const method = oneOf(...Object.keys(AUTH_KEYS))(e['method'], `${at}.method`) as string;
    for (const key of Object.keys(e)) {
      if (key !== 'method' && !AUTH_KEYS[method]!.includes(key)) {
        throw new ConfigError(`${at}.${key}`, `is not a known key of the "${method}" method`);
      }
    }
    if (seen.has(method)) throw new ConfigError(at, `lists the "${method}" method twice`);
    seen.add(method);
    if (method === 'users_file') return {method};
    if (method === 'moin') {
      const dir = str(e['user_dir'], `${at}.user_dir`) as string;
      if (dir === '') throw new ConfigError(`${at}.user_dir`, 'must not be empty');
      return {method, user_dir: dir};
    }
    const header = str(e['header'] ?? 'X-Remote-User', `${at}.header`) as string;
    if (!/^[A-Za-z0-9-]{1,64}$/.test(header)) {
      throw new ConfigError(`${at}.header`, `must be an HTTP header name, got "${header}"`);
    }
    const flags = Object.fromEntries(
      GIVEN_FLAGS.map((f) => [f, f in e ? bool(e[f], `${at}.${f}`) : false])
    ) as unknown as GivenOptions;
    return {method: 'given', header: header.toLowerCase(), ...flags};
  });
}

/** The keys a config file may hold. */
export const CONFIG_KEYS = Object.keys(CHECKS) as (keyof Config)[];

/**
 * Validates a parsed config object once and returns the resolved config (defaults filled in).
 * Throws {@link ConfigError} naming the first bad key.
 */
export function resolveConfig(input: unknown = {}): Config {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError('(file)', `must be a JSON object, got ${describe(input)}`);
  }
  const record = input as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    // Own keys only: "toString" or "constructor" are inherited by every object, not config keys.
    if (!Object.hasOwn(CHECKS, key)) throw new ConfigError(key, unknownKey(key));
  }
  const out: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    out[key] = key in record ? CHECKS[key](record[key], key) : structuredClone(DEFAULT_CONFIG[key]);
  }
  const config = out as unknown as Config;
  if (config.cookie_samesite === 'None' && config.cookie_secure !== true) {
    throw new ConfigError(
      'cookie_samesite',
      '"None" needs cookie_secure: true (browsers reject it otherwise)'
    );
  }
  // issue 13: a header any client can send is not a login unless a proxy sets it.
  const given = config.auth.findIndex((a) => a.method === 'given');
  if (given >= 0 && !config.trust_proxy) {
    throw new ConfigError(
      `auth[${given}]`,
      'the "given" method needs trust_proxy: true (a front proxy that sets the header)'
    );
  }
  return config;
}

/** `is not a known configuration key; did you mean cookie_lifetime?` */
function unknownKey(key: string): string {
  const near = closestName(key, CONFIG_KEYS);
  return `is not a known configuration key${near === undefined ? '' : `; did you mean ${near}?`}`;
}

/** The full cookie name for a config. */
export function cookieNameFor(config: Pick<Config, 'cookie_name'>): string {
  return config.cookie_name === null
    ? COOKIE_BASE_NAME
    : `${COOKIE_BASE_NAME}_${config.cookie_name}`;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return `"${v.length > 40 ? v.slice(0, 40) + '…' : v}"`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}
