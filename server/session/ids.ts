import {hash, randomBytes} from 'node:crypto';

// Stored sessions: 32 CSPRNG bytes, base64url (256 bits). Pending tokens (the anonymous cookie that
// is set before anything is stored, 1.9's is_new) carry a "p." prefix so they can never name a
// stored session: when one of ours comes back, it is stored under an id derived from it with the
// server's key (pending-tokens.ts), never under the token itself.
const STORED = /^[A-Za-z0-9_-]{43}$/;
const PENDING = /^p\.[A-Za-z0-9_-]{43}$/;

/** A new session id for a stored session. */
export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

/** What kind of value a session cookie holds. */
export type CookieKind = 'stored' | 'pending' | 'garbage';

/** Classifies a cookie value by its format alone. */
export function classifyCookieValue(value: string): CookieKind {
  if (STORED.test(value)) return 'stored';
  if (PENDING.test(value)) return 'pending';
  return 'garbage';
}

/**
 * The store key for a session id: SHA-256, base64url. The store never sees the id itself, so a
 * leaked database or log holds nothing a browser could present.
 */
export function sessionKey(sid: string): string {
  // One-shot hash (Node ≥ 20.12): no Hash object per request.
  return hash('sha256', sid, 'base64url');
}

/**
 * How many leading characters of the store key make a session ref (the SQLite summary query and
 * the Redis end-record script cut this length in SQL and Lua).
 */
export const SESSION_REF_LENGTH = 12;

/** A short, non-reversible reference to a session for logs, audit and `sessions list`. */
export function sessionRef(key: string): string {
  return key.slice(0, SESSION_REF_LENGTH);
}

/**
 * The values of every cookie named `name` in a Cookie header (browsers may send several, e.g. for
 * different paths). Tolerates garbage; never throws.
 */
export function readCookies(header: string | undefined, name: string): string[] {
  if (!header || header.length > 16_384) return [];
  const out: string[] = [];
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
      value = value.slice(1, -1);
    out.push(value);
  }
  return out;
}
