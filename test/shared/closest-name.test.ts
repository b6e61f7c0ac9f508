import {describe, expect, it} from 'vitest';
import {closestName, editDistance} from '../../shared/closest-name.js';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['abc', '', 3],
    ['cookie_lifetme', 'cookie_lifetime', 1],
    ['kitten', 'sitting', 3],
    ['trail_size', 'trail_size', 0],
  ])('counts the edits from %j to %j', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });

  it('stops past the limit with limit + 1', () => {
    expect(editDistance('abcdef', 'uvwxyz', 2)).toBe(3);
    expect(editDistance('a', 'abcdefgh', 2)).toBe(3);
  });
});

describe('closestName', () => {
  const keys = ['cookie_lifetime', 'cookie_name', 'cookie_path', 'trail_size', 'port', 'host'];

  it.each([
    ['cookie_lifetme', 'cookie_lifetime'],
    ['Cookie_Lifetime', 'cookie_lifetime'],
    ['cookie-name', 'cookie_name'],
    ['trailsize', 'trail_size'],
    ['prot', undefined],
    ['hots', undefined],
    ['posrt', 'port'],
    ['database', undefined],
    ['x', undefined],
  ])('suggests for %j: %j', (name, expected) => {
    expect(closestName(name, keys)).toBe(expected);
  });

  it('prefers the nearer of two candidates', () => {
    expect(closestName('cookie_pat', ['cookie_name', 'cookie_path'])).toBe('cookie_path');
  });
});
