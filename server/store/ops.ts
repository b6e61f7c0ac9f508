import {addToTrail} from '../../shared/index.js';
import {sessionRef} from '../session/ids.js';
import {rememberOpId} from './op-window.js';
import type {
  AuditEntry,
  MutateResult,
  SessionOp,
  SessionRecord,
  SessionStore,
  SuEndAction,
} from './types.js';

/**
 * Applies one op to a session, purely: the same function runs inside every store's atomic section,
 * so the stores cannot disagree about what an op means. Never mutates its input.
 */
export function applyOp(record: SessionRecord, op: SessionOp): MutateResult {
  switch (op.type) {
    case 'visit': {
      const ops = op.opId === undefined ? record.ops : rememberOpId(record.ops, op.opId);
      if (ops === null) return {record, changed: false, duplicate: true};
      const trail = addToTrail(record.trail, op.page, op.trailSize);
      // A visit that leaves the trail as it was (the newest page again) still records its op id,
      // so a resend is recognised; it is not a change of the session.
      if (trail === null) {
        return {
          record: ops === record.ops ? record : {...record, ops},
          changed: false,
          duplicate: false,
        };
      }
      return {
        record: {...record, trail, ops, rev: record.rev + 1},
        changed: true,
        duplicate: false,
      };
    }
    case 'touch': {
      if (op.expiresAt === record.expiresAt || (op.onlyLater && op.expiresAt < record.expiresAt)) {
        return {record, changed: false, duplicate: false};
      }
      return {record: {...record, expiresAt: op.expiresAt}, changed: true, duplicate: false};
    }
    case 'su':
      return {
        record: {...record, suTarget: op.target, rev: record.rev + 1},
        changed: true,
        duplicate: false,
      };
    case 'return':
      if (record.suTarget === null) return {record, changed: false, duplicate: false};
      return {
        record: {...record, suTarget: null, rev: record.rev + 1},
        changed: true,
        duplicate: false,
      };
    case 'data': {
      const data = {...record.data, ...op.set};
      for (const k of op.del) delete data[k];
      return {record: {...record, data, rev: record.rev + 1}, changed: true, duplicate: false};
    }
  }
}

/** The touch a deferred write makes (DeferredTouches): it never moves a later expiry back. */
export function laterTouch(expiresAt: number): SessionOp {
  return {type: 'touch', expiresAt, onlyLater: true};
}

/**
 * `touchLater` for a store whose `mutate` is the atomic step (memory, Redis): one later touch per
 * session, all at once; a session that is not live is left alone (mutate finds none).
 */
export async function touchEachLater(
  store: Pick<SessionStore, 'mutate'>,
  touches: readonly (readonly [string, number])[],
  now: number
): Promise<void> {
  await Promise.all(touches.map(([key, at]) => store.mutate(key, laterTouch(at), now)));
}

/** True when a record is live at `now`. */
export function isLive(record: SessionRecord, now: number): boolean {
  return record.expiresAt > now;
}

/**
 * The end record of a change of user that a store ends by itself (revocation, expiry): no request,
 * so no address. The session ref is {@link sessionRef}, as everywhere.
 */
export function suEndEntry(
  r: Pick<SessionRecord, 'key' | 'user' | 'suTarget' | 'loginMethod'>,
  action: SuEndAction,
  at: number
): AuditEntry {
  const entry: AuditEntry = {
    at,
    action,
    actor: r.user ?? '',
    target: r.suTarget ?? '',
    address: '',
    session: sessionRef(r.key),
  };
  if (r.loginMethod) entry.method = r.loginMethod;
  return entry;
}
