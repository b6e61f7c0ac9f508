import {describe, expect, it} from 'vitest';
import {Router, splitTarget} from '../../../server/http/router.js';

const noop = () => {};

describe('Router.match', () => {
  const router = new Router().add('/a', {GET: noop, POST: noop}).add('/b', {DELETE: noop});

  it('finds the handler and parses the query', () => {
    const d = router.match('GET', '/a?q=x%20y&n=1');
    expect(d.kind).toBe('found');
    if (d.kind === 'found') {
      expect(d.match.route).toBe('/a');
      expect(d.match.query.get('q')).toBe('x y');
    }
  });

  it('falls back from HEAD to GET only where GET exists', () => {
    expect(router.match('HEAD', '/a').kind).toBe('found');
    expect(router.match('HEAD', '/b')).toEqual({
      kind: 'method_not_allowed',
      allow: ['DELETE', 'OPTIONS'],
      route: '/b',
    });
  });

  it('lists the allowed methods for OPTIONS and for a wrong method', () => {
    const o = router.match('OPTIONS', '/a');
    expect(o.kind === 'options' && o.allow).toEqual(['GET', 'POST', 'HEAD', 'OPTIONS']);
    expect(router.match('PUT', '/a')).toMatchObject({allow: ['GET', 'POST', 'HEAD', 'OPTIONS']});
  });

  it('matches paths exactly', () => {
    for (const url of ['/a/', '/A', '/a/b', '//a', '', undefined, 'a']) {
      expect(router.match('GET', url).kind).toBe('not_found');
    }
  });
});

describe('splitTarget', () => {
  it('accepts absolute-form targets', () => {
    const t = splitTarget('http://example.org/a?x=1');
    expect(t?.path).toBe('/a');
    expect(t?.query.get('x')).toBe('1');
  });

  it('returns null for targets that are not URLs', () => {
    expect(splitTarget('*')).toBeNull();
    expect(splitTarget('not a url')).toBeNull();
  });
});
