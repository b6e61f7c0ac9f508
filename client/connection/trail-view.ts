import {addToTrail, type SessionView} from '../shared.js';

/**
 * Who a view belongs to, for the mirror's privacy rules: whether the server stores the session
 * and the person really signed in. A change of user keeps the identity (1.9 keeps one trail per
 * session across a change of user); login, logout, expiry and revocation change it.
 */
export function identityOf(view: SessionView): string {
  // Keep in step with ANONYMOUS_STORED below.
  return `${view.stored ? 's' : 'n'}:${(view.realUser ?? view.user)?.name ?? ''}`;
}

/** The identity of a stored anonymous session (the one whose visits a login carries over). */
const ANONYMOUS_STORED = 's:';

/** Is `identity` (from {@link identityOf}) a stored anonymous session's. */
export const isStoredAnonymous = (identity: string | null): boolean =>
  identity === ANONYMOUS_STORED;

/** The trail with visits the server has not reflected yet applied on top, as the server will. */
export function withVisits(trail: readonly string[], pages: readonly string[], size: number) {
  let out = trail as string[];
  for (const page of pages) out = addToTrail(out, page, size) ?? out;
  return out;
}
