import {describe, expect, it} from 'vitest';
import {ConfigError, resolveConfig} from '../../shared/index.js';

function keyOf(input: unknown): string {
  try {
    resolveConfig(input);
  } catch (error) {
    if (error instanceof ConfigError) return error.key;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(input)}`);
}

describe('config auth', () => {
  it('defaults to the users file alone', () => {
    expect(resolveConfig({}).auth).toEqual([{method: 'users_file'}]);
  });

  it('keeps the order of the methods and fills in the given options', () => {
    const auth = resolveConfig({
      trust_proxy: true,
      auth: [
        {method: 'given', header: 'X-Remote-User', strip_maildomain: true},
        {method: 'moin', user_dir: '/srv/wiki/data/user'},
        {method: 'users_file'},
      ],
    }).auth;
    expect(auth.map((a) => a.method)).toEqual(['given', 'moin', 'users_file']);
    expect(auth[0]).toEqual({
      method: 'given',
      header: 'x-remote-user',
      strip_maildomain: true,
      strip_windomain: false,
      titlecase: false,
      remove_blanks: false,
      autocreate: false,
    });
  });

  it.each([
    [{auth: []}, 'auth'],
    [{auth: {method: 'moin'}}, 'auth'],
    [{auth: ['moin']}, 'auth[0]'],
    [{auth: [{method: 'ldap'}]}, 'auth[0].method'],
    [
      {auth: [{method: 'users_file'}, {method: 'moin', user_dir: 'd', userdir: 'x'}]},
      'auth[1].userdir',
    ],
    [{auth: [{method: 'users_file', user_dir: 'x'}]}, 'auth[0].user_dir'],
    [{auth: [{method: 'moin'}]}, 'auth[0].user_dir'],
    [{auth: [{method: 'moin', user_dir: ''}]}, 'auth[0].user_dir'],
    [{auth: [{method: 'users_file'}, {method: 'users_file'}]}, 'auth[1]'],
    [{trust_proxy: true, auth: [{method: 'given', header: 'X Remote'}]}, 'auth[0].header'],
    [{trust_proxy: true, auth: [{method: 'given', titlecase: 'yes'}]}, 'auth[0].titlecase'],
  ])('rejects %j naming %s', (input, key) => {
    expect(keyOf(input)).toBe(key);
  });

  it('refuses the given method without trust_proxy', () => {
    expect(keyOf({auth: [{method: 'given', header: 'X-Remote-User'}]})).toBe('auth[0]');
    expect(() => resolveConfig({auth: [{method: 'given'}]})).toThrow(/trust_proxy: true/);
  });
});
