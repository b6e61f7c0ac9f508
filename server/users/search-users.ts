import type {UserInfo} from './types.js';

/** The picker's search over a sorted list: enabled users whose name starts with `prefix`. */
export function searchUsers(sorted: UserInfo[], prefix: string, limit: number): UserInfo[] {
  const p = prefix.toLowerCase();
  const out: UserInfo[] = [];
  for (const u of sorted) {
    if (out.length >= limit) break;
    if (!u.disabled && u.name.toLowerCase().startsWith(p)) out.push(u);
  }
  return out;
}

/** Orders users by name (code units, as the lists have always been sorted). */
export function byName(a: UserInfo, b: UserInfo): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
