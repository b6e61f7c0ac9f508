import {addToTrail, type SessionView} from '../shared.js';

/**
 * Who a view belongs to, for the mirror's privacy rules: whether the server stores the session
 * and the person really signed in. A change of user keeps the identity (1.9 keeps one trail per
 * session across a change of user); login, logout, expiry and revocation change it.
 */
export function identityOf(view: SessionView): string {
  return `${view.stored ? 's' : 'n'}:${(view.realUser ?? view.user)?.name ?? ''}`;
}

/** The trail with visits the server has not reflected yet applied on top, as the server will. */
export function withVisits(trail: readonly string[], pages: readonly string[], size: number) {
  let out = trail as string[];
  for (const page of pages) out = addToTrail(out, page, size) ?? out;
  return out;
}
