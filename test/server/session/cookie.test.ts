import {describe, expect, it} from 'vitest';
import {DEFAULT_CONFIG, resolveConfig} from '../../../shared/index.js';
import {SessionCookies, deletionCookie, sessionCookie} from '../../../server/session/cookie.js';

const MINUTE = 60_000;
const T = Date.UTC(2026, 10, 26, 10, 0, 0);

describe('sessionCookie', () => {
  it('carries the lifetime, the expiry and the configured attributes', () => {
    const config = resolveConfig({cookie_domain: 'wiki.example.org', cookie_samesite: 'Strict'});
    expect(sessionCookie({name: 'S', config, secure: true}, 'v', 3600, T)).toBe(
      'S=v; Max-Age=3600; Expires=Thu, 26 Nov 2026 10:00:00 GMT; Path=/; ' +
        'Domain=wiki.example.org; Secure; HttpOnly; SameSite=Strict'
    );
  });
});

describe('SessionCookies', () => {
  const configs = [
    DEFAULT_CONFIG,
    resolveConfig({cookie_secure: true, cookie_path: '/wiki'}),
    resolveConfig({cookie_secure: false, cookie_httponly: false, cookie_samesite: 'Strict'}),
  ];

  it('writes exactly what sessionCookie and deletionCookie write, whatever came before', () => {
    for (const config of configs) {
      const cookies = new SessionCookies('MOIN_SESSION', config);
      // Changing expiries, lifetimes and schemes in turn: the kept tail must never leak across.
      const calls: [string, number, number, boolean][] = [
        ['a', 3600, T, false],
        ['b', 3600, T, false],
        ['c', 3600, T, true],
        ['d', 60, T, true],
        ['e', 60, T + MINUTE, true],
        ['f', 3600, T, false],
      ];
      for (const [value, lifetime, expires, secure] of calls) {
        const opts = {name: 'MOIN_SESSION', config, secure};
        expect(cookies.session(value, lifetime, expires, secure)).toBe(
          sessionCookie(opts, value, lifetime, expires)
        );
        expect(cookies.deletion(secure)).toBe(deletionCookie(opts));
      }
    }
  });
});
