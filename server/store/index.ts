// The session stores: the contract, the pure op every store applies, and the implementations.
// The Redis store is exported by its own issue's change.
export {createStore} from './create-store.js';
export {MemoryStore, summarize} from './memory-store.js';
export {applyOp, isLive} from './ops.js';
export {SqliteStore} from './sqlite-store.js';
export type {SqliteStoreOptions} from './sqlite-store.js';
export type {CommitInfo} from './sqlite-group-commit.js';
export {SCHEMA_VERSION} from './sqlite-schema.js';
export type {
  AuditEntry,
  MutateResult,
  SessionOp,
  SessionRecord,
  SessionStore,
  SessionSummary,
} from './types.js';
