import {describe, expect, it} from 'vitest';
import {validateUserName} from '../../../server/users/user-name.js';

describe('validateUserName', () => {
  it('accepts and trims an ordinary name', () => {
    expect(validateUserName('  Alice Smith ')).toEqual({ok: true, name: 'Alice Smith'});
  });

  it('accepts non-ASCII letters', () => {
    expect(validateUserName('Jürgen Øst')).toEqual({ok: true, name: 'Jürgen Øst'});
  });

  it.each([
    [42, 'The user name must be a string.'],
    ['   ', 'The user name is empty.'],
    ['x'.repeat(101), 'The user name is longer than 100 characters.'],
    ['Bob\u0000', 'The user name holds control characters.'],
    ['Bob\u0085x', 'The user name holds control characters.'],
    ['Sub/Page', 'The user name must not contain "/".'],
    ['Bob,Eve', 'The user name must not contain ",".'],
  ])('refuses %j with a sentence', (raw, message) => {
    expect(validateUserName(raw)).toEqual({ok: false, message});
  });

  it('accepts exactly 100 characters', () => {
    expect(validateUserName('y'.repeat(100)).ok).toBe(true);
  });
});
