import type {SessionRecord} from '../../server/store/types.js';

/**
 * A plain anonymous session record for store tests: rev 1, empty trail, created at `now` and
 * live for an hour; `fields` override any of it.
 */
export function sessionRecord(
  key: string,
  fields: Partial<SessionRecord> = {},
  now: number = Date.now()
): SessionRecord {
  return {
    key,
    user: null,
    rememberMe: false,
    suTarget: null,
    trail: [],
    data: {},
    ops: '',
    rev: 1,
    createdAt: now,
    expiresAt: now + 3_600_000,
    ...fields,
  };
}
