import type {SessionView} from '../shared.js';
import type {PendingVisit} from '../connection/types.js';
import type {KeyValueStore} from './key-value-store.js';
import {CLIENT_KEY, sessionKey} from './keys.js';

/** One endpoint's session as the browser keeps it. */
export interface MirrorRecord {
  /**
   * Who it belongs to (see `identityOf`); null while no view was ever known (visits recorded
   * then are adopted by the first view).
   */
  identity: string | null;
  /** The last view the server sent. */
  view: SessionView | null;
  /** Visits written before they were sent, oldest first, until the server acks them. */
  pending: PendingVisit[];
  /** The browser-only trail, kept while the server stores nothing (`stored: false`). */
  local: string[];
}

const empty = (identity: string | null): MirrorRecord => ({
  identity,
  view: null,
  pending: [],
  local: [],
});

/** 96 random bits as digits: a valid op-id prefix that says nothing about the user. */
const randomId = (): string => crypto.getRandomValues(new Uint32Array(3)).join('');

/**
 * One endpoint's copy of the session in the browser, one record under one key, so every change is
 * a single atomic update and tabs writing at once never lose each other's visits. Writing for
 * another identity than the stored one replaces the record: that is the privacy wipe.
 */
export class SessionMirror {
  readonly store: KeyValueStore;
  readonly #key: string;

  constructor(endpoint: string, store: KeyValueStore) {
    this.store = store;
    this.#key = sessionKey(endpoint);
  }

  /**
   * Reads the record. A session whose expiry has passed is wiped instead: the mirror never shows
   * a dead session (the server's clock decides once it answers).
   */
  async load(): Promise<MirrorRecord> {
    const r = await this.store.get<MirrorRecord>(this.#key);
    const expires = Date.parse(r?.view?.expiresAt ?? '');
    if (r && expires <= Date.now()) {
      // Deleted (never the database: deleteDatabase blocks while another tab holds it open).
      await this.store.update(this.#key, () => undefined);
      await this.#rotate();
      return empty(null);
    }
    return r ?? empty(null);
  }

  /**
   * Changes the record of `identity` atomically (null: whatever identity is stored). A record of
   * another identity is dropped first, and the op-id prefix rotated with it. An empty result
   * deletes the key. Returns the record after the write.
   */
  async update(
    identity: string | null,
    change: (r: MirrorRecord) => MirrorRecord
  ): Promise<MirrorRecord> {
    let replaced = false;
    const out = await this.store.update<MirrorRecord>(this.#key, (old) => {
      replaced = !!old?.identity && identity !== null && old.identity !== identity;
      const base = old && !replaced ? old : empty(identity);
      const next = change({...base, identity: identity ?? base.identity});
      return next.view || next.pending.length || next.local.length ? next : undefined;
    });
    if (replaced) await this.#rotate();
    return out ?? empty(identity);
  }

  /** A fresh op id, `<clientId>:<seq>`, unique in this browser across tabs and reloads. */
  async opId(): Promise<string> {
    const c = await this.store.update<{id: string; seq: number}>(CLIENT_KEY, (old) => ({
      id: old?.id ?? randomId(),
      seq: (old?.seq ?? 0) + 1,
    }));
    return `${c!.id}:${c!.seq}`;
  }

  /** A new op-id prefix, so the next identity's visits cannot be linked to the previous one's. */
  async #rotate(): Promise<void> {
    await this.store.update(CLIENT_KEY, () => ({id: randomId(), seq: 0}));
  }
}
