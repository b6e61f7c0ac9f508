import {createHmac, randomBytes, timingSafeEqual} from 'node:crypto';

const NONCE_BYTES = 16;
const MAC_BYTES = 16;

/**
 * Pending tokens the server can recognise as its own. A token is `p.` + base64url(nonce ‖ MAC):
 * 16 random bytes and the first 16 bytes of HMAC-SHA-256(key, "pending" ‖ nonce), 43 characters
 * as before. The key is the store's secret (`SessionStore.secret`), so every instance on one store
 * accepts every other's tokens and a restart keeps them valid.
 *
 * A genuine token that comes back is stored under {@link storedIdFor}: an id derived from it with
 * the same key, so the same token always lands on the same session; a replay adopts the session
 * the first use stored instead of storing another. A made-up token fails {@link isOwn} and stores
 * nothing.
 */
export class PendingTokens {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    this.#key = key;
  }

  /** A new pending token. */
  issue(): string {
    const nonce = randomBytes(NONCE_BYTES);
    return 'p.' + Buffer.concat([nonce, this.#mac(nonce)]).toString('base64url');
  }

  /** Was this well-formed pending token (`classifyCookieValue` says pending) made with our key. */
  isOwn(token: string): boolean {
    const raw = Buffer.from(token.slice(2), 'base64url');
    if (raw.length !== NONCE_BYTES + MAC_BYTES) return false;
    return timingSafeEqual(raw.subarray(NONCE_BYTES), this.#mac(raw.subarray(0, NONCE_BYTES)));
  }

  /** The stored session id a genuine pending token turns into (43 base64url characters). */
  storedIdFor(token: string): string {
    return createHmac('sha256', this.#key).update('stored\0').update(token).digest('base64url');
  }

  #mac(nonce: Buffer): Buffer {
    const h = createHmac('sha256', this.#key).update('pending\0').update(nonce);
    return h.digest().subarray(0, MAC_BYTES);
  }
}
