import {parseSetCookie, type HttpResponse, type SetCookie} from './http-client.js';

/** The session cookie a response sets (the only one, checked), or undefined when it sets none. */
export function sessionCookieOf(res: HttpResponse, name = 'MOIN_SESSION'): SetCookie | undefined {
  const all = res.setCookies.map(parseSetCookie).filter((c) => c.name === name);
  if (all.length > 1) throw new Error(`${all.length} Set-Cookie headers for ${name}`);
  return all[0];
}

/** The session cookie a response sets; throws when it sets none. */
export function mustSetCookie(res: HttpResponse, name = 'MOIN_SESSION'): SetCookie {
  const c = sessionCookieOf(res, name);
  if (!c) throw new Error(`no Set-Cookie for ${name}; got ${JSON.stringify(res.setCookies)}`);
  return c;
}

/** 1.9's expiry: now rounded down to the minute plus the lifetime, as an HTTP date. */
export function expectedExpires(nowMs: number, lifetimeSeconds: number): string {
  return new Date(Math.floor(nowMs / 60_000) * 60_000 + lifetimeSeconds * 1000).toUTCString();
}

/** A well-formed stored-session id the server never issued (43 base64url characters). */
export const FORGED_ID = 'A'.repeat(23) + 'attackerChosenId1234';
