import {statSync} from 'node:fs';

/**
 * What changes when a file or a folder is replaced, resized or written to: inode, size and
 * modification time in nanoseconds; `missing` when there is nothing at the path.
 */
export function stampOf(path: string): string {
  const s = statSync(path, {bigint: true, throwIfNoEntry: false});
  return s ? `${s.ino}:${s.size}:${s.mtimeNs}` : 'missing';
}
