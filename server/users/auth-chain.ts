import {GivenMethod} from './given-method.js';
import type {
  CredentialsChange,
  HeaderSignOn,
  LoginMethod,
  UserDirectory,
  UserInfo,
} from './types.js';
import {byName, searchUsers} from './search-users.js';

/**
 * The `auth` list as one user directory: methods are asked in order, the first that knows a name
 * decides (its answer to a wrong password is final, never a fall-through), and lists are the union
 * (a name two methods know belongs to the first). Logins of names no method knows still do the
 * first password method's work, so timing does not tell which names exist.
 */
export class AuthChain implements UserDirectory {
  readonly methods: readonly LoginMethod[];
  /** The `given` method, when the list has one (the config allows it once). */
  readonly headerSignOn: HeaderSignOn | null;

  constructor(methods: readonly LoginMethod[]) {
    if (methods.length === 0) throw new Error('the auth chain needs at least one method');
    this.methods = methods;
    this.headerSignOn = methods.find((m) => m instanceof GivenMethod) ?? null;
  }

  /** Resolves once every method is ready (a wiki's user directory has built its index). */
  async ready(): Promise<void> {
    await Promise.all(this.methods.map((m) => m.ready?.()));
  }

  /** The method that decides for a name, with its answer. */
  owner(name: string): {method: LoginMethod; user: UserInfo} | undefined {
    for (const method of this.methods) {
      const user = method.get(name);
      if (user) return {method, user};
    }
    return undefined;
  }

  get(name: string): UserInfo | undefined {
    const o = this.owner(name);
    return o ? {...o.user, method: o.method.method} : undefined;
  }

  async verify(name: string, password: string): Promise<UserInfo | undefined> {
    const o = typeof name === 'string' ? this.owner(name) : undefined;
    // Nobody knows the name: the first password method does its dummy work and refuses.
    const method = o?.method ?? this.methods.find((m) => m.passwords) ?? this.methods[0]!;
    const user = await method.verify(name, password);
    return user && o ? {...user, method: method.method} : undefined;
  }

  search(prefix: string, limit: number): UserInfo[] {
    return searchUsers(this.list(), prefix, limit);
  }

  /** Every user of every method (the first method's entry for a name two know), sorted by name. */
  list(): UserInfo[] {
    const seen = new Map<string, UserInfo>();
    for (const method of this.methods) {
      for (const u of method.list()) {
        if (!seen.has(u.name)) seen.set(u.name, {...u, method: method.method});
      }
    }
    return [...seen.values()].sort(byName);
  }

  /** Listens to every method; a change in a method that does not own the name is ignored. */
  onCredentialsChanged(
    listener: (name: string, change: CredentialsChange, method: string) => void
  ): void {
    for (const method of this.methods) {
      method.onCredentialsChanged?.((name, change) => {
        const o = this.owner(name);
        if (!o || o.method === method) listener(name, change, method.method);
      });
    }
  }

  close(): void {
    for (const method of this.methods) method.close();
  }
}
