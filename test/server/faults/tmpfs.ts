// A tiny tmpfs for the disk-full and read-only tests: a real file system that really runs out of
// space (ENOSPC → SQLITE_FULL) and can really be made read-only (remount ro → EROFS, which root
// cannot bypass the way it bypasses chmod). Mounting needs root, as CI and the dev machines run.
import {execFileSync} from 'node:child_process';
import {closeSync, mkdirSync, openSync, rmSync, writeSync} from 'node:fs';
import {join} from 'node:path';

/** A mounted tmpfs and how to fill, free, freeze and thaw it. */
export interface Tmpfs {
  path: string;
  /** Writes a filler file until the file system is full. */
  fill(): void;
  /** Removes the filler: space returns. */
  free(): void;
  /** Remounts read-only (writes fail with EROFS). */
  readOnly(): void;
  /** Remounts read-write. */
  writable(): void;
  /** Unmounts (lazily, so a process still holding files cannot block it) and removes the folder. */
  unmount(): void;
}

/** Mounts a tmpfs of `sizeKiB` on a new folder `path`. Throws a clear error when it cannot. */
export function mountTmpfs(path: string, sizeKiB: number): Tmpfs {
  mkdirSync(path, {recursive: true});
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k`, 'tmpfs', path], {
      stdio: 'pipe',
    });
  } catch (err) {
    throw new Error(
      `mounting a tmpfs on ${path} failed (the disk-full tests need root): ${String(err)}`,
      {cause: err}
    );
  }
  const filler = join(path, 'filler');
  const remount = (mode: 'ro' | 'rw') =>
    execFileSync('mount', ['-o', `remount,${mode}`, path], {stdio: 'pipe'});
  return {
    path,
    fill() {
      const fd = openSync(filler, 'a');
      const chunk = Buffer.alloc(4096, 1);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      } finally {
        closeSync(fd);
      }
    },
    free: () => rmSync(filler, {force: true}),
    readOnly: () => remount('ro'),
    writable: () => remount('rw'),
    unmount() {
      execFileSync('umount', ['-l', path], {stdio: 'pipe'});
      rmSync(path, {recursive: true, force: true});
    },
  };
}
