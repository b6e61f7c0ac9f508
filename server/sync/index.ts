// The WebSocket hub behind GET /api/sync (CONTRACT §5). Internals (connection, room, bucket, limits)
// stay private to this folder.
export {createSyncHub} from './sync-hub.js';
export type {SyncHub, SyncHubOptions} from './sync-hub.js';
export {SYNC_PATH} from './limits.js';
