/**
 * The mirror's keys: versioned (`v1`) so a future layout can ignore old data, and scoped by
 * endpoint so two session services on one page never mix. The record itself names the identity
 * it belongs to.
 */
export const sessionKey = (endpoint: string): string => `v1|${endpoint}|session`;

/** The browser's op-id prefix and counter, shared by every endpoint; rotated at every wipe. */
export const CLIENT_KEY = 'v1|client';
