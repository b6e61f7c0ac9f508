import {sessionRef} from '../session/ids.js';
import type {SessionRecord, SessionSummary} from './types.js';

/** The `sessions list` row for a record. */
export function summarize(r: SessionRecord): SessionSummary {
  return {
    ref: sessionRef(r.key),
    user: r.user,
    suTarget: r.suTarget,
    trailLength: r.trail.length,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
  };
}
