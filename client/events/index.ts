export {emit} from './emit.js';
export type {MoinSessionStatusDetail, MoinSessionStatusEvent} from './moin-session-status.js';
export type {MoinTrailChangeDetail, MoinTrailChangeEvent} from './moin-trail-change.js';
