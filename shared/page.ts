import {MAX_PAGE_NAME_LENGTH} from './constants.js';

// Unicode "Cc" control characters (C0, DEL, C1): never part of a page name.
const CONTROL = /\p{Cc}/u;

/** The result of {@link validatePageName}. */
export type PageNameResult = {ok: true; name: string} | {ok: false; message: string};

/**
 * Trims a page name and checks it: a non-empty string of at most 512 characters with no control
 * characters. Returns the trimmed name or a sentence saying what is wrong.
 */
export function validatePageName(raw: unknown): PageNameResult {
  if (typeof raw !== 'string') return {ok: false, message: 'The page name must be a string.'};
  const name = raw.trim();
  if (name === '') return {ok: false, message: 'The page name is empty.'};
  if (name.length > MAX_PAGE_NAME_LENGTH) {
    return {ok: false, message: `The page name is longer than ${MAX_PAGE_NAME_LENGTH} characters.`};
  }
  if (CONTROL.test(name)) return {ok: false, message: 'The page name holds control characters.'};
  return {ok: true, name};
}
