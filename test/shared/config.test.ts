import {describe, expect, it} from 'vitest';
import {
  CONFIG_KEYS,
  ConfigError,
  DEFAULT_CONFIG,
  cookieNameFor,
  resolveConfig,
} from '../../shared/index.js';
import type {Config} from '../../shared/index.js';

/** The ConfigError `resolveConfig(input)` throws (fails the test when it throws none). */
function configError(input: unknown): ConfigError {
  try {
    resolveConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

// One wrongly typed value per key; a key added to Config without an entry here does not compile.
const WRONG_TYPE: {[K in keyof Config]: unknown} = {
  cookie_name: 42,
  cookie_domain: true,
  cookie_path: 7,
  cookie_lifetime: '0,12',
  cookie_secure: 'yes',
  cookie_httponly: 1,
  cookie_samesite: 'lax',
  trail_size: '5',
  superuser: 'Admin',
  store: 5,
  users_file: null,
  allowed_origins: 'https://wiki.example.org',
  trust_proxy: 'false',
  host: 127,
  port: '8080',
  log_level: 'verbose',
  redis_prefix: null,
  login_max_failures: 5.5,
  login_window_seconds: '900',
  max_sockets_per_session: true,
  visit_rate: [20],
  visit_burst: {n: 60},
  ping_interval_seconds: null,
  backend_token_file: 32,
  // issue 10a
  login_concurrent_checks: '2',
  login_queue_size: -1.5,
  new_sessions_per_address: false,
  // issue 10b
  max_sessions_per_user: '50',
  remember_me_max_hours: -1,
  max_sockets_per_address: 0,
  max_sockets: 1.5,
  auth: {method: 'users_file'},
  redis_wait_replicas: 1.5,
};

describe('resolveConfig', () => {
  describe('defaults', () => {
    it('returns the defaults for an empty object and for no argument', () => {
      expect(resolveConfig({})).toEqual(DEFAULT_CONFIG);
      expect(resolveConfig()).toEqual(DEFAULT_CONFIG);
    });

    it("uses MoinMoin 1.9's values where 1.9 has the option, and ours for the rest", () => {
      expect(resolveConfig()).toMatchObject({
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
        host: '127.0.0.1',
        port: 8080,
      });
    });

    it('hands out copies, so changing a resolved config never changes the defaults', () => {
      const config = resolveConfig();
      config.cookie_lifetime[1] = 99;
      config.superuser.push('Mallory');
      expect(DEFAULT_CONFIG.cookie_lifetime).toEqual([0, 12]);
      expect(DEFAULT_CONFIG.superuser).toEqual([]);
      expect(Object.isFrozen(DEFAULT_CONFIG)).toBe(true);
    });

    it('has a default and a check for every key', () => {
      expect([...CONFIG_KEYS].sort()).toEqual(Object.keys(DEFAULT_CONFIG).sort());
      expect([...CONFIG_KEYS].sort()).toEqual(Object.keys(WRONG_TYPE).sort());
    });
  });

  describe('valid values', () => {
    it('keeps every value of a complete, valid config', () => {
      const input: Config = {
        cookie_name: 'myfarm',
        cookie_domain: '.example.org',
        cookie_path: '/wiki',
        cookie_lifetime: [1.5, -12],
        cookie_secure: true,
        cookie_httponly: false,
        cookie_samesite: 'None',
        trail_size: 0,
        superuser: ['Admin', 'Root'],
        store: 'redis://127.0.0.1:6379/2',
        users_file: '/etc/moin/users.json',
        allowed_origins: ['https://wiki.example.org', 'http://localhost:3000'],
        trust_proxy: true,
        host: '0.0.0.0',
        port: 0,
        log_level: 'silent',
        redis_prefix: '',
        login_max_failures: 1,
        login_window_seconds: 86_400,
        max_sockets_per_session: 10_000,
        visit_rate: 1,
        visit_burst: 100_000,
        ping_interval_seconds: 3600,
        backend_token_file: '/etc/moin/backend.token',
        // issue 10a
        login_concurrent_checks: 64,
        login_queue_size: 0,
        new_sessions_per_address: 1,
        max_sessions_per_user: 0,
        remember_me_max_hours: 87_600,
        max_sockets_per_address: 1,
        max_sockets: 1_000_000,
        auth: [{method: 'moin', user_dir: '/srv/wiki/data/user'}, {method: 'users_file'}],
        redis_wait_replicas: 2,
      };
      expect(resolveConfig(structuredClone(input))).toEqual(input);
    });

    it.each([
      'memory:',
      'sqlite:x.db',
      'sqlite:/var/lib/moin/s.db',
      'redis://h:6379',
      'rediss://h',
      'redis+sentinel://s1:26379,s2:26379,s3:26379/mymaster',
      'rediss+sentinel://:pw@s1:26379/mymaster/2',
      'redis+cluster://n1:7000,n2:7000,n3:7000',
      'rediss+cluster://:pw@n1:7000',
    ])('accepts the store %s', (store) => {
      expect(resolveConfig({store}).store).toBe(store);
    });
  });

  describe('bad values name the key', () => {
    it.each(Object.entries(WRONG_TYPE))('rejects a wrongly typed %s', (key, value) => {
      const error = configError({[key]: value});
      expect(error.key).toBe(key);
      expect(error.message).toMatch(new RegExp(`^config: ${key.replace(/[[\]]/g, '\\$&')}: `));
    });

    it('rejects an unknown key, also one every object inherits', () => {
      expect(configError({cookie_lifetme: [0, 12]}).key).toBe('cookie_lifetme');
      expect(configError({toString: 'x'}).key).toBe('toString');
      expect(configError(JSON.parse('{"__proto__": {"port": 1}}')).key).toBe('__proto__');
    });

    it('suggests the nearest key for a misspelled one, and nothing for a far one', () => {
      expect(configError({cookie_lifetme: [0, 12]}).message).toBe(
        'config: cookie_lifetme: is not a known configuration key; did you mean cookie_lifetime?'
      );
      expect(configError({databse: 'x'}).message).toBe(
        'config: databse: is not a known configuration key'
      );
    });

    it.each([[[]], [null], ['cookie_lifetime'], [42]])('rejects %j as a whole file', (input) => {
      expect(configError(input).key).toBe('(file)');
    });

    it.each([
      [{trail_size: -1}, 'trail_size'],
      [{trail_size: 1001}, 'trail_size'],
      [{trail_size: 2.5}, 'trail_size'],
      [{port: 65_536}, 'port'],
      [{cookie_lifetime: [0, 12, 1]}, 'cookie_lifetime'],
      [{cookie_lifetime: [0, Number.NaN]}, 'cookie_lifetime[1]'],
      [{cookie_lifetime: ['1', 12]}, 'cookie_lifetime[0]'],
      [{cookie_lifetime: [87_601, 12]}, 'cookie_lifetime[0]'],
      [{superuser: ['Admin', 7]}, 'superuser[1]'],
      [{allowed_origins: ['https://wiki.example.org/path']}, 'allowed_origins[0]'],
      [{allowed_origins: ['https://a.example', 'wiki.example.org']}, 'allowed_origins[1]'],
      [{store: 'sqlite:'}, 'store'],
      [{store: 'redis://'}, 'store'],
      [{store: 'redis://h/x'}, 'store'],
      [{store: 'redis+sentinel://s1:26379'}, 'store'],
      [{store: 'redis+cluster://n1:7000/1'}, 'store'],
      [{store: 'redis+cluster://n1:7000/mymaster'}, 'store'],
      [{redis_wait_replicas: -1}, 'redis_wait_replicas'],
      [{redis_wait_replicas: 101}, 'redis_wait_replicas'],
      [{store: 'postgres://h/db'}, 'store'],
      [{users_file: ''}, 'users_file'],
      [{cookie_domain: 'exa mple.org'}, 'cookie_domain'],
      [{cookie_path: 'wiki'}, 'cookie_path'],
      [{cookie_path: '/a;b'}, 'cookie_path'],
      [{visit_burst: 0}, 'visit_burst'],
    ])('rejects %j naming %s', (input, key) => {
      expect(configError(input).key).toBe(key);
    });

    it('is a ConfigError with its own name', () => {
      const error = configError({port: 'x'});
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe('ConfigError');
      expect(error.message).toBe('config: port: must be a number, got "x"');
    });
  });

  describe('SameSite=None', () => {
    it('is rejected unless cookie_secure is true, because browsers drop it', () => {
      expect(configError({cookie_samesite: 'None'}).key).toBe('cookie_samesite');
      expect(configError({cookie_samesite: 'None', cookie_secure: false}).key).toBe(
        'cookie_samesite'
      );
      expect(resolveConfig({cookie_samesite: 'None', cookie_secure: true}).cookie_samesite).toBe(
        'None'
      );
    });
  });

  describe('cookie_name', () => {
    it.each(['myfarm', 'a.b-c_1', 'x'.repeat(64)])('accepts %s', (name) => {
      expect(resolveConfig({cookie_name: name}).cookie_name).toBe(name);
    });

    it.each(['', 'bad name', 'x;y', 'wiki=1', 'Ünï', 'x'.repeat(65)])('rejects %j', (name) => {
      expect(configError({cookie_name: name}).message).toMatch(/^config: cookie_name: may hold/);
    });
  });
});

describe('cookieNameFor', () => {
  it('is MOIN_SESSION without a cookie_name and MOIN_SESSION_S with one', () => {
    expect(cookieNameFor({cookie_name: null})).toBe('MOIN_SESSION');
    expect(cookieNameFor({cookie_name: 'myfarm'})).toBe('MOIN_SESSION_myfarm');
  });
});
