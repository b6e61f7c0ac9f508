import {createHmac, randomBytes, timingSafeEqual} from 'node:crypto';

const TIME_BYTES = 4;
const NONCE_BYTES = 12;
const MAC_BYTES = 16;
const SIGNED_BYTES = TIME_BYTES + NONCE_BYTES;

/**
 * The oldest pending token accepted, whatever the anonymous lifetime: a day. The token's only job
 * is to come back once, on the browser's next request; a browser that returns later than this with
 * a token it never used gets a fresh anonymous visit (nothing was stored under it to lose).
 */
export const PENDING_TOKEN_MAX_AGE_SECONDS = 86_400;

/** How far ahead of this instance's clock a token may be dated (another instance's clock). */
export const PENDING_TOKEN_CLOCK_SKEW_SECONDS = 300;

/**
 * Pending tokens the server can recognise as its own. A token is `p.` + base64url(time ‖ nonce ‖
 * MAC): the issue time (4 bytes, big-endian seconds since 1970), 12 random bytes and the first 16
 * bytes of HMAC-SHA-256(key, "pending-at" ‖ time ‖ nonce), 43 characters as before. The key is the
 * store's secret (`SessionStore.secret`), so every instance on one store accepts every other's
 * tokens and a restart keeps them valid.
 *
 * A genuine token that comes back is stored under {@link storedIdFor}: an id derived from it with
 * the same key, so the same token always lands on the same session; a replay adopts the session
 * the first use stored instead of storing another. A made-up token, one whose time was changed,
 * and one past its bound ({@link isOwn}) store nothing. The bound is the anonymous cookie lifetime
 * (the browser drops the cookie then), at most {@link PENDING_TOKEN_MAX_AGE_SECONDS}, counted from
 * the issue time's minute as a stored expiry is (`expiryFor`): a session stored from the token
 * expires no sooner than that, so a replay after its expiry always finds the token refused.
 *
 * Tokens of the format before the issue time (16 random bytes, MAC under "pending") fail the MAC
 * and are refused like made-up ones: they were never stored, and the browser gets a new one.
 */
export class PendingTokens {
  readonly #key: Buffer;
  readonly #maxAgeSeconds: number;

  /** `anonymousLifetimeSeconds`: the anonymous cookie's Max-Age (CONTRACT §3). */
  constructor(key: Buffer, anonymousLifetimeSeconds: number) {
    this.#key = key;
    this.#maxAgeSeconds = Math.min(anonymousLifetimeSeconds, PENDING_TOKEN_MAX_AGE_SECONDS);
  }

  /** A new pending token, dated `nowMs`. */
  issue(nowMs: number): string {
    const signed = Buffer.alloc(SIGNED_BYTES);
    signed.writeUInt32BE(Math.floor(nowMs / 1000));
    randomBytes(NONCE_BYTES).copy(signed, TIME_BYTES);
    return 'p.' + Buffer.concat([signed, this.#mac(signed)]).toString('base64url');
  }

  /**
   * Was this well-formed pending token (`classifyCookieValue` says pending) made with our key, and
   * is it no older than its bound (nor dated ahead of `nowMs` by more than the clock skew).
   */
  isOwn(token: string, nowMs: number): boolean {
    const raw = Buffer.from(token.slice(2), 'base64url');
    if (raw.length !== SIGNED_BYTES + MAC_BYTES) return false;
    const signed = raw.subarray(0, SIGNED_BYTES);
    if (!timingSafeEqual(raw.subarray(SIGNED_BYTES), this.#mac(signed))) return false;
    const issued = signed.readUInt32BE();
    const now = Math.floor(nowMs / 1000);
    // From the issue minute, as a stored expiry counts (expiryFor): see the class comment.
    const deadline = issued - (issued % 60) + this.#maxAgeSeconds;
    return now < deadline && now >= issued - PENDING_TOKEN_CLOCK_SKEW_SECONDS;
  }

  /** The stored session id a genuine pending token turns into (43 base64url characters). */
  storedIdFor(token: string): string {
    return createHmac('sha256', this.#key).update('stored\0').update(token).digest('base64url');
  }

  #mac(signed: Buffer): Buffer {
    const h = createHmac('sha256', this.#key).update('pending-at\0').update(signed);
    return h.digest().subarray(0, MAC_BYTES);
  }
}
