import {anonymousView, type SessionView} from '../../shared/index.js';
import type {SessionRecord} from '../store/types.js';

/** The view of a stored session; `superuser` is whether its real user may change user. */
export function recordView(r: SessionRecord, superuser: boolean): SessionView {
  return {
    user: r.suTarget ? {name: r.suTarget} : r.user ? {name: r.user} : null,
    realUser: r.suTarget && r.user ? {name: r.user} : null,
    superuser,
    trail: r.trail,
    stored: true,
    expiresAt: new Date(r.expiresAt).toISOString(),
    rev: r.rev,
  };
}

/**
 * The view of a request with nothing stored: its trail, and the user of a login whose lifetime is
 * 0 (signed in for this answer only), if any.
 */
export function transientView(
  trail: string[],
  user: string | null,
  superuser: boolean
): SessionView {
  if (user === null) return anonymousView(trail);
  return {...anonymousView(trail), user: {name: user}, superuser};
}

/**
 * {@link recordView} as JSON text, kept with its record object: records are values, never changed
 * in place, so an unchanged session read again (the SQLite store hands out the same frozen record
 * until it changes) is not built and encoded again. The superuser flag is part of the key.
 */
export class ViewTexts {
  readonly #texts = new WeakMap<SessionRecord, {superuser: boolean; text: string}>();

  /** The JSON text of the record's view. */
  of(r: SessionRecord, superuser: boolean): string {
    const kept = this.#texts.get(r);
    if (kept?.superuser === superuser) return kept.text;
    const text = JSON.stringify(recordView(r, superuser));
    this.#texts.set(r, {superuser, text});
    return text;
  }
}
