export {
  FallbackKeyValueStore,
  MemoryKeyValueStore,
  MIRROR_DB,
  MIRROR_STORE,
} from './key-value-store.js';
export type {KeyValueStore} from './key-value-store.js';
export {CLIENT_KEY, sessionKey} from './keys.js';
export {SessionMirror} from './session-mirror.js';
export type {MirrorRecord} from './session-mirror.js';
