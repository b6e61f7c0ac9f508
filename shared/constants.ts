/** Wire-level and behavioural constants used by both sides. */

/** The cookie name when `cookie_name` is null; a string S gives `MOIN_SESSION_S`. */
export const COOKIE_BASE_NAME = 'MOIN_SESSION';

/** 1.9's "forever" for remember_me: 10 * 365 * 24 * 3600 seconds. */
export const FOREVER_SECONDS = 315_360_000;

/** 1.9 rounds the stored expiry down to the minute "so we don't trigger session storage updates too often". */
export const EXPIRY_GRANULARITY_MS = 60_000;

/** Page names longer than this are `invalid_page`. */
export const MAX_PAGE_NAME_LENGTH = 512;

/** 1.9's shortenPagename limit for display. */
export const SHORT_NAME_MAX = 25;

/** HTTP bodies over this get 413. */
export const MAX_BODY_BYTES = 16 * 1024;

/** WebSocket frames over this close the socket with 1009. */
export const MAX_FRAME_BYTES = 4 * 1024;

/** How many applied op ids a session remembers for de-duplication. */
export const APPLIED_OPS_KEPT = 256;

/** Op ids chosen by clients: 1-64 characters from this set. */
export const OP_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

/** At most this many users are returned by the picker search. */
export const USER_SEARCH_LIMIT = 20;

/** setTimeout's ceiling, 2^31 - 1 ms (about 24.8 days); longer waits (remember_me) re-arm. */
export const MAX_TIMER_MS = 2_147_483_647;
