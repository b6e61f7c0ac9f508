import {randomBytes} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {mkdir, open, rename, unlink} from 'node:fs/promises';
import {dirname} from 'node:path';
import {stampOf} from './file-stamp.js';
import {hashPassword, isPasswordHash, verifyPassword} from './password-hash.js';
import type {LoginMethod, UserInfo} from './types.js';
import {validateUserName} from './user-name.js';
import {byName, searchUsers} from './search-users.js';

/** One entry of the users file. Unknown fields are kept when the file is rewritten. */
export interface StoredUser {
  /** `scrypt$N$r$p$SALT$KEY`. */
  hash: string;
  disabled: boolean;
  /** ISO time the user was added (informational). */
  created?: string;
  [extra: string]: unknown;
}

/** The users file is unreadable or malformed; the message names the file and the problem. */
export class UsersFileError extends Error {
  override name = 'UsersFileError' as const;
  readonly file: string;
  constructor(file: string, problem: string) {
    super(`users_file: ${file}: ${problem}`);
    this.file = file;
  }
}

/** A write to the directory that cannot be done (unknown user, duplicate, bad name or password). */
export class UserChangeError extends Error {
  override name = 'UserChangeError' as const;
  /** `usage`: the input is wrong (bad name or password); `state`: the directory disagrees. */
  readonly kind: 'usage' | 'state';
  constructor(kind: 'usage' | 'state', message: string) {
    super(message);
    this.kind = kind;
  }
}

/** How long a checked users file is trusted before it is stat'ed again. */
export const STAT_INTERVAL_MS = 50;

/** The longest password accepted (scrypt works on any length; this bounds the work per login). */
export const MAX_PASSWORD_LENGTH = 1024;

/** Options of {@link FileUserDirectory}. */
export interface FileUserDirectoryOptions {
  /**
   * Called when a changed file cannot be read; the last good contents stay in use.
   * @default a process warning on stderr
   */
  onReloadError?: (err: UsersFileError) => void;
}

/**
 * The user directory in a JSON file: `{"users": {NAME: {"hash": "scrypt$…", "disabled": false}}}`.
 * A missing file is an empty directory. The file is read at construction (a malformed file throws
 * {@link UsersFileError} then, so a bad file stops `serve` at start-up) and again whenever its
 * inode, size or mtime changes (checked at most every 50 ms), so edits by the CLI in another
 * process take effect within 50 ms. Writes go to a temp file (mode 0600) renamed over the old one.
 */
export class FileUserDirectory implements LoginMethod {
  readonly method = 'users_file';
  readonly passwords = true;
  readonly file: string;
  readonly #onReloadError: (err: UsersFileError) => void;
  #users = new Map<string, StoredUser>();
  #stamp: string | null = null;
  #checkedAt = -Infinity;
  #dummy: Promise<string> | null = null;

  constructor(file: string, options: FileUserDirectoryOptions = {}) {
    this.file = file;
    this.#onReloadError =
      options.onReloadError ?? ((err) => process.emitWarning(err.message, 'UsersFileWarning'));
    this.#refresh(true);
  }

  get(name: string): UserInfo | undefined {
    this.#refresh(false);
    const u = this.#users.get(name);
    return u ? {name, disabled: u.disabled} : undefined;
  }

  async verify(name: string, password: string): Promise<UserInfo | undefined> {
    this.#refresh(false);
    const u = typeof name === 'string' ? this.#users.get(name) : undefined;
    if (typeof password !== 'string' || password.length > MAX_PASSWORD_LENGTH) return undefined;
    if (!u) {
      // Unknown names do the same scrypt work as known ones, so timing does not reveal which exist.
      this.#dummy ??= hashPassword(randomBytes(16).toString('base64url'));
      await verifyPassword(password, await this.#dummy);
      return undefined;
    }
    const ok = await verifyPassword(password, u.hash);
    // A disabled user is refused exactly like a wrong password (after the same work).
    return ok && !u.disabled ? {name, disabled: false} : undefined;
  }

  search(prefix: string, limit: number): UserInfo[] {
    return searchUsers(this.list(), prefix, limit);
  }

  /** Every user, enabled or not, sorted by name. */
  list(): UserInfo[] {
    this.#refresh(false);
    return [...this.#users.entries()]
      .map(([name, u]) => ({name, disabled: u.disabled}))
      .sort(byName);
  }

  /** Adds a user; throws {@link UserChangeError} for a bad name or password or an existing name. */
  async add(rawName: string, password: string): Promise<UserInfo> {
    const name = checkName(rawName);
    checkPassword(password);
    const hash = await hashPassword(password);
    return this.#change(name, (users) => {
      if (users.has(name))
        throw new UserChangeError('state', `There is already a user named "${name}".`);
      users.set(name, {hash, disabled: false, created: new Date().toISOString()});
    });
  }

  /** Sets a new password. */
  async setPassword(rawName: string, password: string): Promise<UserInfo> {
    const name = checkName(rawName);
    checkPassword(password);
    const hash = await hashPassword(password);
    return this.#change(name, (users) => {
      users.set(name, {...existing(users, name), hash});
    });
  }

  /** Disables or enables a user. */
  async setDisabled(rawName: string, disabled: boolean): Promise<UserInfo> {
    const name = checkName(rawName);
    return this.#change(name, (users) => {
      users.set(name, {...existing(users, name), disabled});
    });
  }

  /** Removes a user. */
  async remove(rawName: string): Promise<void> {
    const name = checkName(rawName);
    await this.#change(name, (users) => {
      existing(users, name);
      users.delete(name);
    });
  }

  close(): void {}

  async #change(name: string, edit: (users: Map<string, StoredUser>) => void): Promise<UserInfo> {
    // Start from the file as it is now (another process may have written it), never the cache.
    this.#refresh(true);
    const users = new Map(this.#users);
    edit(users);
    await writeAtomically(this.file, serialize(users));
    this.#users = users;
    this.#stamp = stampOf(this.file);
    const u = users.get(name);
    return {name, disabled: u?.disabled ?? false};
  }

  #refresh(strict: boolean): void {
    // At most one stat per STAT_INTERVAL_MS: a request calls get() several times, and a stat per
    // call was 6-7 % of the hot path (bench/http.mjs --profile). Edits by the CLI still show within
    // 50 ms, long before any person could act on them.
    const now = performance.now();
    if (!strict && now - this.#checkedAt < STAT_INTERVAL_MS) return;
    this.#checkedAt = now;
    const stamp = stampOf(this.file);
    if (stamp === this.#stamp) return;
    try {
      this.#users =
        stamp === 'missing'
          ? new Map()
          : parseUsersFile(this.file, readFileSync(this.file, 'utf8'));
      this.#stamp = stamp;
    } catch (err) {
      const e =
        err instanceof UsersFileError ? err : new UsersFileError(this.file, (err as Error).message);
      if (strict) throw e;
      // Report once per version of the file, keep serving the last good contents.
      this.#stamp = stamp;
      this.#onReloadError(e);
    }
  }
}

function checkName(raw: string): string {
  const r = validateUserName(raw);
  if (!r.ok) throw new UserChangeError('usage', r.message);
  return r.name;
}

function checkPassword(password: string): void {
  if (typeof password !== 'string' || password === '') {
    throw new UserChangeError('usage', 'The password is empty.');
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new UserChangeError(
      'usage',
      `The password is longer than ${MAX_PASSWORD_LENGTH} characters.`
    );
  }
}

function existing(users: Map<string, StoredUser>, name: string): StoredUser {
  const u = users.get(name);
  if (!u) throw new UserChangeError('state', `There is no user named "${name}".`);
  return u;
}

/** Parses and checks the text of a users file; throws {@link UsersFileError} naming the problem. */
function parseUsersFile(file: string, text: string): Map<string, StoredUser> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UsersFileError(file, `is not valid JSON (${(err as Error).message})`);
  }
  const users = (doc as {users?: unknown} | null)?.users;
  if (
    typeof doc !== 'object' ||
    doc === null ||
    typeof users !== 'object' ||
    users === null ||
    Array.isArray(users)
  ) {
    throw new UsersFileError(file, 'must be an object like {"users": {NAME: {"hash": …}}}');
  }
  const out = new Map<string, StoredUser>();
  for (const [name, entry] of Object.entries(users as Record<string, unknown>)) {
    const where = `users[${JSON.stringify(name)}]`;
    const checked = validateUserName(name);
    if (!checked.ok || checked.name !== name) {
      throw new UsersFileError(
        file,
        `${where}: ${checked.ok ? 'The user name has spaces around it.' : checked.message}`
      );
    }
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      throw new UsersFileError(file, `${where} must be an object`);
    }
    const e = entry as Record<string, unknown>;
    if (!isPasswordHash(e['hash']))
      throw new UsersFileError(file, `${where}.hash is not an scrypt hash`);
    if (e['disabled'] !== undefined && typeof e['disabled'] !== 'boolean') {
      throw new UsersFileError(file, `${where}.disabled must be true or false`);
    }
    out.set(name, {...e, hash: e['hash'], disabled: e['disabled'] === true});
  }
  return out;
}

function serialize(users: Map<string, StoredUser>): string {
  const sorted = [...users.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify({users: Object.fromEntries(sorted)}, null, 2) + '\n';
}

/**
 * Writes a file so readers see the old or the new contents, never a mix: a temp file in the same
 * directory (mode 0600: it holds password hashes), fsync, rename over the target.
 */
async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), {recursive: true, mode: 0o700});
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
}
