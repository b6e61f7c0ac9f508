// What the client uses from shared/, imported from the modules themselves rather than through
// shared/index.ts: the barrel also re-exports config.ts, whose module-level calls (Object.freeze,
// the checks table) survive tree-shaking and would add about 2 KB gzip to the browser bundle.
export {MAX_TIMER_MS} from '../shared/constants.js';
export type {ClientMessage, ServerMessage} from '../shared/protocol.js';
export {addToTrail, shortenPageName} from '../shared/trail.js';
export {isSessionView, parseServerMessage} from '../shared/validate.js';
export type {SessionView} from '../shared/view.js';
