import {afterAll, describe, expect, it} from 'vitest';
import {verifyMoinPassword} from '../../../server/users/moin-password.js';
import {Sha512CryptPool} from '../../../server/users/sha512-crypt-pool.js';
import {moinHashes, type Scheme} from '../../support/moin-fixtures.js';

const crypt = new Sha512CryptPool();
afterAll(() => crypt.close());

const SCHEMES: Scheme[] = ['{PASSLIB}', '{SSHA}', '{SHA}', '{APR1}', '{MD5}', '{DES}'];
const PASSWORD = 'Grüße aus Wien';
const DES_PASSWORD = 'Grüß1';
const HASHES = moinHashes(SCHEMES.map((s) => [s, s === '{DES}' ? DES_PASSWORD : PASSWORD]));

describe('verifyMoinPassword', () => {
  it.each(SCHEMES.map((s, i) => [s, HASHES[i]!]))(
    'accepts the right password and refuses a wrong one for %s',
    async (scheme, enc) => {
      const right = scheme === '{DES}' ? DES_PASSWORD : PASSWORD;
      expect(await verifyMoinPassword(right, enc, crypt)).toBe(true);
      // DES reads the first 8 bytes only, so the wrong password differs inside them.
      expect(await verifyMoinPassword(right.slice(0, 7) + '!', enc, crypt)).toBe(false);
      expect(await verifyMoinPassword(right.toUpperCase(), enc, crypt)).toBe(false);
    },
    60_000
  );

  it('verifies passlib default rounds ($6$rounds=656000$) off the event loop', async () => {
    const [enc] = moinHashes([['{PASSLIB}', 'slow-pw']], 656_000);
    expect(enc).toMatch(/^\{PASSLIB\}\$6\$rounds=656000\$/);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    const ok = await verifyMoinPassword('slow-pw', enc!, crypt);
    clearInterval(timer);
    expect(ok).toBe(true);
    expect(ticks).toBeGreaterThan(5); // the loop kept running during the hash
  }, 120_000);

  it('verifies 1.9 test-suite hashes', async () => {
    // MoinMoin/_tests/test_user.py: {SSHA} of "12345" (salt inside the value).
    const ssha = '{SSHA}dbeFtH5EGkOI1jgPADlGZgHWq072TIsKqWfHX7zZbUQa85Ze8774Rg==';
    expect(await verifyMoinPassword('12345', ssha, crypt)).toBe(true);
  });

  it.each([
    ['an empty hash', 'pw', ''],
    ['an empty password', '', HASHES[1]!],
    ['an unknown prefix', 'pw', '{CRYPT}abc'],
    ['no prefix', 'pw', 'plaintext'],
    ['a passlib bcrypt hash', 'pw', '{PASSLIB}$2b$12$abcdefghijklmnopqrstuu'],
    ['a truncated sha512_crypt', PASSWORD, HASHES[0]!.slice(0, -3)],
  ])('refuses %s', async (_what, pw, enc) => {
    expect(await verifyMoinPassword(pw, enc, crypt)).toBe(false);
  });
});
