import {describe, expect, it} from 'vitest';
import {parseRedisUrl, redactUrl} from '../../../server/store/redis-url.js';

describe('parseRedisUrl', () => {
  it('reads one Redis with a database and a password', () => {
    expect(parseRedisUrl('redis://:s3cret@h:6380/2')).toEqual({
      mode: 'single',
      nodes: [{host: 'h', port: 6380}],
      db: 2,
      password: 's3cret',
      tls: false,
    });
  });

  it('reads Sentinels, the master name, the database and TLS', () => {
    expect(parseRedisUrl('rediss+sentinel://u:p@s1:26379,s2,[::1]:26380/mymaster/3')).toEqual({
      mode: 'sentinel',
      nodes: [
        {host: 's1', port: 26379},
        {host: 's2', port: 26379},
        {host: '::1', port: 26380},
      ],
      masterName: 'mymaster',
      db: 3,
      username: 'u',
      password: 'p',
      tls: true,
    });
  });

  it('reads cluster seed nodes', () => {
    expect(parseRedisUrl('redis+cluster://n1:7000,n2:7001')).toMatchObject({
      mode: 'cluster',
      nodes: [
        {host: 'n1', port: 7000},
        {host: 'n2', port: 7001},
      ],
      db: 0,
    });
  });

  it.each([
    'redis+sentinel://s1:26379',
    'redis://a:1,b:2',
    'redis+cluster://n1:7000/1',
    'redis://h:99999',
    'http://h:1',
  ])('rejects %s', (url) => {
    expect(() => parseRedisUrl(url)).toThrow();
  });

  it('never puts the password in its error', () => {
    expect(() => parseRedisUrl('redis://:s3cret@h:1/x/y/z')).toThrow(/^(?!.*s3cret)/);
    expect(redactUrl('redis://:s3cret@h:1')).toBe('redis://:***@h:1');
  });
});
