import {createHash, timingSafeEqual} from 'node:crypto';
import apacheCrypt from 'apache-crypt';
import apacheMd5 from 'apache-md5';
import type {Sha512CryptPool} from './sha512-crypt-pool.js';

/** passlib's sha512_crypt default rounds (1.9 bundles passlib 1.7.2), used for dummy work. */
export const PASSLIB_DEFAULT_ROUNDS = 656_000;

const SHA512_CRYPT = /^\$6\$(rounds=(\d{1,9})\$)?([^$]{0,16})\$([./0-9A-Za-z]{86})$/;

/** Equal strings, compared in constant time (both sides hashed first, so lengths never leak). */
function sameSecret(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db);
}

const sha1 = (data: Buffer) => createHash('sha1').update(data).digest();

/**
 * Checks a password against a 1.9 `enc_password` value, as `User._validatePassword` does. An empty
 * password or hash, an unknown prefix or a passlib scheme other than sha512_crypt never matches.
 */
export async function verifyMoinPassword(
  password: string,
  enc: string,
  crypt: Sha512CryptPool
): Promise<boolean> {
  if (password === '' || enc === '') return false;
  const close = enc.indexOf('}');
  if (!enc.startsWith('{') || close < 0) return false;
  const scheme = enc.slice(0, close + 1);
  const rest = enc.slice(close + 1);
  const pw = Buffer.from(password, 'utf8');
  // apache-md5 and apache-crypt hash one byte per character: hand them the utf-8 bytes as such,
  // as 1.9 (md5crypt, crypt.crypt) hashes the utf-8 encoding.
  const bytes = pw.toString('latin1');
  switch (scheme) {
    case '{PASSLIB}': {
      const m = SHA512_CRYPT.exec(rest);
      if (!m) return false;
      const setting = `$6$${m[1] ?? ''}${m[3]}`;
      const out = await crypt.hash(password, setting);
      return out !== null && sameSecret(out.slice(out.lastIndexOf('$') + 1), m[4]!);
    }
    case '{SSHA}': {
      const d = Buffer.from(rest, 'base64');
      if (d.length <= 20) return false;
      const salt = d.subarray(20);
      const fresh = Buffer.concat([sha1(Buffer.concat([pw, salt])), salt]).toString('base64');
      return sameSecret(fresh, rest);
    }
    case '{SHA}':
      return sameSecret(sha1(pw).toString('base64'), rest);
    case '{APR1}':
      return rest.startsWith('$apr1$') && sameSecret(apacheMd5(bytes, rest), rest);
    case '{MD5}':
      return rest.startsWith('$1$') && sameSecret(apacheMd5(bytes, rest), rest);
    case '{DES}':
      return rest.length === 13 && sameSecret(apacheCrypt(bytes, rest.slice(0, 2)), rest);
    default:
      return false;
  }
}
