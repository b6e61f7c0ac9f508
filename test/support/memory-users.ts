import type {UserDirectory, UserInfo} from '../../server/users/types.js';

/** One user of a {@link MemoryUsers} directory. */
export interface MemoryUser {
  password: string;
  disabled?: boolean;
}

/**
 * An in-memory {@link UserDirectory} for tests: plain-text passwords, no files, changes take effect
 * at once (like the file directory noticing a CLI edit). Not for production.
 *
 * ```ts
 * const users = new MemoryUsers({Admin: {password: 'a'}, Bob: {password: 'b', disabled: true}});
 * ```
 */
export class MemoryUsers implements UserDirectory {
  readonly #users = new Map<string, {password: string; disabled: boolean}>();

  constructor(users: Record<string, MemoryUser> = {}) {
    for (const [name, u] of Object.entries(users)) this.add(name, u.password, u.disabled);
  }

  /** Adds or replaces a user. */
  add(name: string, password: string, disabled = false): this {
    this.#users.set(name, {password, disabled});
    return this;
  }

  /** Removes a user; true when one existed. */
  remove(name: string): boolean {
    return this.#users.delete(name);
  }

  /** Disables or enables a user; throws for an unknown name (a test mistake). */
  setDisabled(name: string, disabled: boolean): this {
    const u = this.#users.get(name);
    if (!u) throw new Error(`MemoryUsers: no user "${name}"`);
    u.disabled = disabled;
    return this;
  }

  get(name: string): UserInfo | undefined {
    const u = this.#users.get(name);
    return u ? {name, disabled: u.disabled} : undefined;
  }

  async verify(name: string, password: string): Promise<UserInfo | undefined> {
    const u = this.#users.get(name);
    if (!u || u.disabled || u.password !== password) return undefined;
    return {name, disabled: false};
  }

  search(prefix: string, limit: number): UserInfo[] {
    const p = prefix.toLowerCase();
    return [...this.#users.entries()]
      .filter(([name, u]) => !u.disabled && name.toLowerCase().startsWith(p))
      .map(([name]) => ({name, disabled: false}))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .slice(0, limit);
  }

  close(): void {}
}
