/** A user as the wire shows it. */
export interface UserRef {
  name: string;
}

/** What every HTTP endpoint returns and what the WebSocket pushes. */
export interface SessionView {
  /** Who the wiki should treat the request as (the target while changing user). */
  user: UserRef | null;
  /** The superuser behind a change of user, else null. */
  realUser: UserRef | null;
  /** May the real user change user. */
  superuser: boolean;
  /** Oldest first, newest last. */
  trail: string[];
  /** Is state for this browser kept on the server now. */
  stored: boolean;
  /** ISO time the session expires, or null when nothing is stored. */
  expiresAt: string | null;
  /** Grows with every change of this session. */
  rev: number;
}

/** The view of a browser with no stored session. */
export function anonymousView(trail: string[] = []): SessionView {
  return {
    user: null,
    realUser: null,
    superuser: false,
    trail,
    stored: false,
    expiresAt: null,
    rev: 0,
  };
}
