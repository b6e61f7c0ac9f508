import type {AuthMethodConfig, GivenOptions} from '../../shared/index.js';
import type {HeaderSignOn, LoginMethod, UserInfo} from './types.js';
import {validateUserName} from './user-name.js';
import {searchUsers} from './search-users.js';

type GivenConfig = Extract<AuthMethodConfig, {method: 'given'}>;

/** 1.9 `GivenAuth.transform_username`, in its order: mail domain, Windows domain, title, blanks. */
export function transformGivenName(raw: string, o: Omit<GivenOptions, 'autocreate'>): string {
  let name = raw;
  if (o.strip_maildomain) name = name.split('@')[0]!;
  if (o.strip_windomain) name = name.split('\\').pop()!;
  // Python's str.title(): the first letter of every run of letters upper, the rest lower.
  if (o.titlecase)
    name = name.replace(/\p{L}+/gu, (w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase());
  if (o.remove_blanks) name = name.split(/\s+/u).join('');
  return name;
}

/**
 * Sign-on by the front proxy (`{"method": "given", "header": …}`, 1.9's GivenAuth). It checks no
 * passwords: the proxy did. A name it is given must belong to another method of the chain, unless
 * `autocreate` is on; then the method itself knows every name it has been given since start-up.
 */
export class GivenMethod implements LoginMethod, HeaderSignOn {
  readonly method = 'given';
  readonly passwords = false;
  readonly header: string;
  readonly #options: GivenConfig;
  readonly #created = new Set<string>();

  constructor(options: GivenConfig) {
    this.#options = options;
    this.header = options.header;
  }

  /** The user name the header names, rewritten and checked; null when it names nobody usable. */
  nameFrom(value: string | string[] | undefined): string | null {
    if (typeof value !== 'string' || value === '') return null;
    const r = validateUserName(transformGivenName(value, this.#options));
    return r.ok ? r.name : null;
  }

  /** With autocreate, remembers a name so the chain knows it; returns whether it did. */
  autocreate(name: string): boolean {
    if (!this.#options.autocreate) return false;
    this.#created.add(name);
    return true;
  }

  get(name: string): UserInfo | undefined {
    return this.#created.has(name) ? {name, disabled: false} : undefined;
  }

  /** Passwords are never checked here: a password login of a proxy-only name is refused. */
  async verify(): Promise<UserInfo | undefined> {
    return undefined;
  }

  search(prefix: string, limit: number): UserInfo[] {
    return searchUsers(this.list(), prefix, limit);
  }

  list(): UserInfo[] {
    return [...this.#created].sort().map((name) => ({name, disabled: false}));
  }

  close(): void {}
}
