/** How an account changed outside moin-session (issue 10): `su_end_<change>` in the audit log. */
export type CredentialsChange = 'passwd' | 'disabled' | 'removed';

/** A user as the session service sees it. */
export interface UserInfo {
  name: string;
  disabled: boolean;
  /** The login method that holds this user (`users_file`, `moin`, `given`), when known. */
  method?: string;
}

/**
 * The user directory. `get` is synchronous and always current: implementations re-read their
 * backing file when it changes (the CLI edits it while the server runs).
 */
export interface UserDirectory {
  /** The user, or undefined when there is none by that name. */
  get(name: string): UserInfo | undefined;
  /**
   * Checks a password. Resolves to the user when it matches and the user is enabled, else undefined.
   * Takes about as long for unknown names as for known ones.
   */
  verify(name: string, password: string): Promise<UserInfo | undefined>;
  /** Enabled users whose name starts with `prefix` (case-insensitive), sorted, at most `limit`. */
  search(prefix: string, limit: number): UserInfo[];
  /** Sign-on by a header a trusted front proxy sets, when the directory has it (`given`). */
  readonly headerSignOn?: HeaderSignOn | null;
  /**
   * Resolves once `get`, `search` and `list` answer for every account (a wiki's user directory
   * builds its index after the constructor returns). Absent: ready at once.
   */
  ready?(): Promise<void>;
  close(): void;
}

/** Sign-on by a header a trusted front proxy sets (1.9's GivenAuth, the `given` method). */
export interface HeaderSignOn {
  /** The header's name, lower case. */
  readonly header: string;
  /** The user name a header value names, rewritten and checked; null when it names nobody usable. */
  nameFrom(value: string | string[] | undefined): string | null;
  /** With autocreate, remembers a name so the directory knows it; returns whether it did. */
  autocreate(name: string): boolean;
}

/**
 * One entry of the `auth` chain (1.9's `cfg.auth`): a source of accounts. `get` answers whether the
 * method knows a name at all (a disabled user is known); the chain asks methods in order and the
 * first that knows a name decides its login.
 */
export interface LoginMethod extends UserDirectory {
  /** The config name of the method: `users_file`, `moin`, `given`. */
  readonly method: string;
  /** Whether `verify` checks passwords (false for proxy sign-on, which only takes names). */
  readonly passwords: boolean;
  /** Every user the method knows, enabled or not, sorted by name. */
  list(): UserInfo[];
  /**
   * Registers a listener called with a user's name when the method sees that user's password
   * change, the user disabled or the account gone, by someone else (the wiki): their sessions are
   * to end, and `change` says why (the audit end record, as `users passwd/disable/remove` write).
   */
  onCredentialsChanged?(listener: (name: string, change: CredentialsChange) => void): void;
}
