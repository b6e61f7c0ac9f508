import {describe, expect, it} from 'vitest';
import {hashPassword, isPasswordHash, verifyPassword} from '../../../server/users/password-hash.js';

describe('hashPassword', () => {
  it('makes a salted scrypt hash that differs each time', async () => {
    const a = await hashPassword('secret');
    const b = await hashPassword('secret');
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(a).not.toBe(b);
    expect(isPasswordHash(a)).toBe(true);
    expect(a).not.toContain('secret');
  });
});

describe('verifyPassword', () => {
  it('accepts the right password and refuses others', async () => {
    const h = await hashPassword('pässwörd');
    expect(await verifyPassword('pässwörd', h)).toBe(true);
    expect(await verifyPassword('passwörd', h)).toBe(false);
    expect(await verifyPassword('', h)).toBe(false);
  });

  it('treats composed and decomposed Unicode as the same password', async () => {
    const h = await hashPassword('caf\u00e9');
    expect(await verifyPassword('cafe\u0301', h)).toBe(true);
  });

  it('never matches a malformed hash', async () => {
    expect(await verifyPassword('x', 'plain-text')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$3$8$1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA')).toBe(
      false
    );
  });
});
