import {describe, expect, it} from 'vitest';
import {anonymousView, isSessionView} from '../../shared/index.js';

describe('anonymousView', () => {
  it('is the view of a browser with nothing stored', () => {
    expect(anonymousView()).toEqual({
      user: null,
      realUser: null,
      superuser: false,
      trail: [],
      stored: false,
      expiresAt: null,
      rev: 0,
    });
    expect(isSessionView(anonymousView())).toBe(true);
  });

  it('carries a trail kept in the browser', () => {
    expect(anonymousView(['A', 'B']).trail).toEqual(['A', 'B']);
  });
});
