/** A user as the session service sees it. */
export interface UserInfo {
  name: string;
  disabled: boolean;
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
  close(): void;
}
