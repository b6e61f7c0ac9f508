/** The longest user name accepted. */
export const MAX_USER_NAME_LENGTH = 100;

// Unicode "Cc" control characters (C0, DEL, C1).
const CONTROL = /\p{Cc}/u;

/** The result of {@link validateUserName}. */
export type UserNameResult = {ok: true; name: string} | {ok: false; message: string};

/**
 * Trims a user name and checks it: non-empty, at most 100 characters, no control characters, no "/"
 * (names end up in page paths) and no "," (lists of names are comma-separated in configs and logs).
 * Returns the trimmed name or a sentence saying what is wrong.
 */
export function validateUserName(raw: unknown): UserNameResult {
  if (typeof raw !== 'string') return {ok: false, message: 'The user name must be a string.'};
  const name = raw.trim();
  if (name === '') return {ok: false, message: 'The user name is empty.'};
  if (name.length > MAX_USER_NAME_LENGTH) {
    return {
      ok: false,
      message: `The user name is longer than ${MAX_USER_NAME_LENGTH} characters.`,
    };
  }
  if (CONTROL.test(name)) return {ok: false, message: 'The user name holds control characters.'};
  if (name.includes('/')) return {ok: false, message: 'The user name must not contain "/".'};
  if (name.includes(',')) return {ok: false, message: 'The user name must not contain ",".'};
  return {ok: true, name};
}
