import {SHORT_NAME_MAX} from './constants.js';

/**
 * MoinMoin 1.9's `addTrail` on a validated (trimmed, non-empty) name: visiting the newest page again
 * changes nothing; a revisit moves the page to the end; only the newest `size` pages are kept; size 0
 * turns the trail off (it stays empty; 1.9 kept everything by accident).
 * Returns the new trail, or `null` when the trail does not change.
 */
export function addToTrail(trail: readonly string[], name: string, size: number): string[] | null {
  if (size <= 0) return trail.length === 0 ? null : [];
  if (trail.length > 0 && trail[trail.length - 1] === name) return null;
  const next = trail.filter((p) => p !== name);
  next.push(name);
  return next.length > size ? next.slice(next.length - size) : next;
}

/**
 * 1.9's `shortenPagename` for display: names over 25 characters use their last `/` part; if that is
 * still too long, `name[:11] + "..." + name[-11:]`.
 */
export function shortenPageName(name: string, max: number = SHORT_NAME_MAX): string {
  if (name.length <= max) return name;
  const slash = name.lastIndexOf('/');
  const tail = slash >= 0 ? name.slice(slash + 1) : name;
  if (tail.length > 0 && tail.length <= max) return tail;
  const half = Math.floor((max - 3) / 2);
  return name.slice(0, half) + '...' + name.slice(name.length - half);
}
