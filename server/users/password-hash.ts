import {randomBytes, scrypt, timingSafeEqual, type ScryptOptions} from 'node:crypto';

// scrypt cost: N=2^14, r=8, p=1 (16 MiB, ~50 ms here), the parameters OWASP lists as the minimum
// for scrypt. They are stored in each hash, so raising them later keeps old hashes valid.
const N = 16_384;
const R = 8;
const P = 1;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
// Node's default maxmem (32 MiB) is exactly at the edge for N=2^14, r=8; leave headroom.
const MAXMEM = 64 * 1024 * 1024;

function derive(password: string, salt: Buffer, opts: ScryptOptions, bytes: number) {
  return new Promise<Buffer>((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, bytes, {...opts, maxmem: MAXMEM}, (err, key) =>
      err ? reject(err) : resolve(key)
    );
  });
}

/** Hashes a password: `scrypt$N$r$p$SALT$KEY` (salt and key base64url). Asynchronous (libuv pool). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, {N, r: R, p: P}, KEY_BYTES);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

const FORMAT =
  /^scrypt\$(\d{1,7})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9_-]{8,})\$([A-Za-z0-9_-]{16,})$/;

/** True when `hash` looks like a hash {@link hashPassword} makes. */
export function isPasswordHash(hash: unknown): hash is string {
  return typeof hash === 'string' && FORMAT.test(hash);
}

/**
 * Checks a password against a stored hash in constant time. A malformed hash never matches (it is
 * still worked on, so the answer takes about as long).
 */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const m = FORMAT.exec(hash);
  if (!m) {
    await derive(password, Buffer.alloc(SALT_BYTES), {N, r: R, p: P}, KEY_BYTES);
    return false;
  }
  const [, n, r, p, salt, key] = m as unknown as [string, string, string, string, string, string];
  const expected = Buffer.from(key, 'base64url');
  let actual: Buffer;
  try {
    actual = await derive(
      password,
      Buffer.from(salt, 'base64url'),
      {N: Number(n), r: Number(r), p: Number(p)},
      expected.length
    );
  } catch {
    return false; // parameters scrypt refuses (N not a power of two, too much memory)
  }
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
