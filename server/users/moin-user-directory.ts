import {randomBytes} from 'node:crypto';
import {readdirSync, statSync, watch, type FSWatcher} from 'node:fs';
import {readdir, readFile, stat} from 'node:fs/promises';
import {join} from 'node:path';
import {stampOf} from './file-stamp.js';
import {MAX_PASSWORD_LENGTH} from './file-user-directory.js';
import {PASSLIB_DEFAULT_ROUNDS, verifyMoinPassword} from './moin-password.js';
import {LOGIN_KEYS, MOIN_USER_ID, parseMoinUserFile} from './moin-user-file.js';
import {readFilesParallel} from './read-files-parallel.js';
import {Sha512CryptPool} from './sha512-crypt-pool.js';
import type {CredentialsChange, LoginMethod, UserInfo} from './types.js';
import {byName, searchUsers} from './search-users.js';

/** A changed file is read once it has been quiet this long (1.9 writes in place, line by line). */
const SETTLE_MS = 150;
/** A file that is still not whole is tried again after this long. */
const RETRY_MS = 250;
/** The directory's own mtime is checked this often, in case a watch event was lost. */
const SWEEP_MS = 2000;

interface Entry {
  id: string;
  name: string;
  enc: string;
  disabled: boolean;
}

/** The user directory cannot be used; the message names it. */
export class MoinUserDirError extends Error {
  override name = 'MoinUserDirError' as const;
}

/** Options of {@link MoinUserDirectory}. */
export interface MoinUserDirectoryOptions {
  /** Problems with single files (two files with one name, a file that never becomes whole). */
  onWarning?: (message: string) => void;
}

/**
 * A MoinMoin 1.9 `data/user` directory, read only (`{"method": "moin", "user_dir": …}`). Every
 * profile is read once at start-up into a name index, by a few reader threads (see
 * read-files-parallel.ts; {@link ready} resolves when the index is built, and logins wait for it);
 * afterwards only files the kernel reports as changed (fs.watch, plus a sweep of the directory's
 * mtime every 2 s) are read again, once they have been quiet for 150 ms and are whole. A login is
 * one map look-up and one password check. A changed `enc_password`, a `disabled=1` or a rename is
 * reported to {@link onCredentialsChanged} listeners.
 */
export class MoinUserDirectory implements LoginMethod {
  readonly method = 'moin';
  readonly passwords = true;
  readonly dir: string;
  readonly #warn: (message: string) => void;
  readonly #crypt = new Sha512CryptPool();
  #byName = new Map<string, Entry>();
  #byId = new Map<string, Entry>();
  #listeners: ((name: string, change: CredentialsChange) => void)[] = [];
  #dirty = new Map<string, number>(); // id -> first seen dirty (ms)
  #timer: NodeJS.Timeout | null = null;
  #watcher: FSWatcher | null = null;
  #sweep: NodeJS.Timeout;
  #dirStamp = '';
  #closed = false;
  #dummy: string;
  /** Resolves once the start-up index is built; until then no change is read and no sweep runs. */
  readonly #ready: Promise<void>;
  #building = true;
  #rescanWanted = false;

  constructor(dir: string, options: MoinUserDirectoryOptions = {}) {
    this.dir = dir;
    this.#warn = options.onWarning ?? ((m) => process.emitWarning(m, 'MoinUserDirWarning'));
    let ids: string[];
    try {
      if (!statSync(dir).isDirectory()) throw new Error('is not a directory');
      ids = readdirSync(dir).filter((f) => MOIN_USER_ID.test(f));
    } catch (err) {
      throw new MoinUserDirError(`user_dir: ${dir}: ${(err as Error).message}`);
    }
    this.#dirStamp = stampOf(this.dir);
    // The watch starts first, so a file the wiki writes while the index is built is read again
    // once it is built (changes are held back until then: a stale read never wins).
    this.#ready = this.#build(ids.sort());
    this.#dummy = `{PASSLIB}$6$rounds=${PASSLIB_DEFAULT_ROUNDS}$${randomBytes(12).toString('base64').replace(/\+/g, '.')}$${'.'.repeat(86)}`;
    try {
      this.#watcher = watch(dir, {persistent: false}, (_type, file) => {
        if (file === null) void this.#rescan();
        else if (MOIN_USER_ID.test(String(file))) this.#mark(String(file));
      });
      this.#watcher.on('error', () => {
        this.#watcher?.close();
        this.#watcher = null;
      });
    } catch {
      this.#watcher = null; // no inotify here: the sweep still sees new and removed files
    }
    this.#sweep = setInterval(() => {
      if (!this.#building && stampOf(this.dir) !== this.#dirStamp) void this.#rescan();
    }, SWEEP_MS);
    this.#sweep.unref();
  }

  /** Resolves once every profile is indexed (`get` and `list` answer for the whole directory). */
  ready(): Promise<void> {
    return this.#ready;
  }

  async #build(ids: string[]): Promise<void> {
    let files: (Buffer | null)[];
    try {
      files = await readFilesParallel(this.dir, ids);
    } catch (err) {
      this.#warn(`user_dir: ${this.dir}: ${(err as Error).message}; reading again`);
      for (const id of ids) this.#dirty.set(id, performance.now());
      files = [];
    }
    files.forEach((bytes, i) => {
      const id = ids[i]!;
      if (bytes === null) return; // removed meanwhile
      const rec = parseMoinUserFile(bytes, LOGIN_KEYS);
      if (rec) this.#put({id, name: rec.name, enc: rec.encPassword, disabled: rec.disabled});
      else this.#dirty.set(id, performance.now()); // being written: read it once it is whole
    });
    this.#building = false;
    if (this.#rescanWanted) void this.#rescan();
    if (this.#dirty.size > 0) this.#schedule(SETTLE_MS);
  }

  /** How many accounts are indexed. */
  get size(): number {
    return this.#byName.size;
  }

  get(name: string): UserInfo | undefined {
    const e = this.#byName.get(name);
    return e ? {name: e.name, disabled: e.disabled} : undefined;
  }

  async verify(name: string, password: string): Promise<UserInfo | undefined> {
    if (this.#building) await this.#ready;
    if (typeof password !== 'string' || password.length > MAX_PASSWORD_LENGTH) return undefined;
    const e = typeof name === 'string' ? this.#byName.get(name) : undefined;
    // Unknown names cost one sha512_crypt at passlib's default rounds, like most 1.9 accounts.
    const ok = await verifyMoinPassword(password, e?.enc ?? this.#dummy, this.#crypt);
    // Read the index again: the file may have changed during the (slow) check.
    const now = e ? this.#byName.get(name) : undefined;
    if (!e || !ok || !now || now.enc !== e.enc || now.disabled) return undefined;
    return {name: now.name, disabled: false};
  }

  search(prefix: string, limit: number): UserInfo[] {
    return searchUsers(this.list(), prefix, limit);
  }

  list(): UserInfo[] {
    return [...this.#byName.values()]
      .map((e) => ({name: e.name, disabled: e.disabled}))
      .sort(byName);
  }

  onCredentialsChanged(listener: (name: string, change: CredentialsChange) => void): void {
    this.#listeners.push(listener);
  }

  /** Resolves once no changed file is waiting to be read (tests, `users list`). */
  async settled(): Promise<void> {
    await this.#ready;
    while (this.#dirty.size > 0 && !this.#closed) await new Promise((r) => setTimeout(r, 20));
  }

  close(): void {
    this.#closed = true;
    this.#watcher?.close();
    clearInterval(this.#sweep);
    if (this.#timer) clearTimeout(this.#timer);
    void this.#crypt.close();
  }

  #put(e: Entry): void {
    const other = this.#byName.get(e.name);
    if (other && other.id !== e.id) {
      // 1.9's name index would pick one of them too; keep the older id, say so.
      if (other.id < e.id) {
        this.#warn(
          `user_dir: ${this.dir}: ${e.id} and ${other.id} both have the name "${e.name}"; using ${other.id}`
        );
        this.#byId.set(e.id, e);
        return;
      }
    }
    this.#byId.set(e.id, e);
    this.#byName.set(e.name, e);
  }

  #remove(id: string): Entry | undefined {
    const e = this.#byId.get(id);
    if (!e) return undefined;
    this.#byId.delete(id);
    if (this.#byName.get(e.name) === e) {
      this.#byName.delete(e.name);
      // Another file with the same name takes over.
      for (const o of this.#byId.values()) if (o.name === e.name) return (this.#put(o), e);
    }
    return e;
  }

  #mark(id: string): void {
    if (!this.#dirty.has(id)) this.#dirty.set(id, performance.now());
    this.#schedule(SETTLE_MS);
  }

  #schedule(ms: number): void {
    if (this.#timer || this.#closed || this.#building) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#flush();
    }, ms);
    this.#timer.unref();
  }

  async #rescan(): Promise<void> {
    if (this.#building) {
      this.#rescanWanted = true;
      return;
    }
    this.#dirStamp = stampOf(this.dir);
    let ids: string[];
    try {
      ids = (await readdir(this.dir)).filter((f) => MOIN_USER_ID.test(f));
    } catch (err) {
      this.#warn(`user_dir: ${this.dir}: ${(err as Error).message}`);
      return;
    }
    const present = new Set(ids);
    for (const id of ids) if (!this.#byId.has(id)) this.#mark(id);
    for (const id of [...this.#byId.keys()]) if (!present.has(id)) this.#mark(id);
  }

  async #flush(): Promise<void> {
    const now = performance.now();
    for (const id of [...this.#dirty.keys()]) {
      const file = join(this.dir, id);
      const s = await stat(file).catch(() => null);
      if (!s) {
        this.#dirty.delete(id);
        const gone = this.#remove(id);
        if (gone) this.#emit(gone.name, this.#byName.has(gone.name) ? 'passwd' : 'removed');
        continue;
      }
      // Written less than SETTLE_MS ago: the wiki may still be writing; look again later.
      if (Date.now() - s.mtimeMs < SETTLE_MS) continue;
      const bytes = await readFile(file).catch(() => null);
      const after = await stat(file).catch(() => null);
      const rec =
        bytes && after && after.mtimeMs === s.mtimeMs && after.size === bytes.length
          ? parseMoinUserFile(bytes, LOGIN_KEYS)
          : null;
      if (!rec) {
        const since = this.#dirty.get(id)!;
        if (now - since > 60_000) {
          this.#warn(`user_dir: ${this.dir}: ${id} has not been a whole user file for a minute`);
          this.#dirty.set(id, now);
        }
        continue;
      }
      this.#dirty.delete(id);
      this.#update({id, name: rec.name, enc: rec.encPassword, disabled: rec.disabled});
    }
    if (this.#dirty.size > 0) this.#schedule(RETRY_MS);
  }

  #update(e: Entry): void {
    const old = this.#byId.get(e.id);
    if (old && old.name === e.name && old.enc === e.enc && old.disabled === e.disabled) return;
    if (old) this.#remove(e.id);
    this.#put(e);
    if (!old) return;
    // A new password, a disable or a rename ends the sessions of the name that had them, saying
    // which (a rename: the old name is gone, unless another file of that name took it over).
    if (old.name !== e.name) {
      this.#emit(old.name, this.#byName.has(old.name) ? 'passwd' : 'removed');
    } else if (e.disabled && !old.disabled) this.#emit(old.name, 'disabled');
    else if (old.enc !== e.enc) this.#emit(old.name, 'passwd');
  }

  #emit(name: string, change: CredentialsChange): void {
    for (const l of this.#listeners) l(name, change);
  }
}
