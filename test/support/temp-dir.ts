import {mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';

/** A fresh folder under the system temp dir, and how to remove it. */
export interface TempDir {
  /** Absolute path of the folder. */
  path: string;
  /** `join(path, ...parts)`. */
  file(...parts: string[]): string;
  /** Removes the folder and everything in it (never fails when it is already gone). */
  cleanup(): Promise<void>;
}

/**
 * Makes a fresh temp folder for one test (`mkdtemp`, so parallel tests never share one).
 *
 * ```ts
 * const dir = await makeTempDir('sqlite-');
 * afterEach(() => dir.cleanup());
 * ```
 */
export async function makeTempDir(prefix = 'moin-test-'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return {
    path,
    file: (...parts) => join(path, ...parts),
    cleanup: () => rm(path, {recursive: true, force: true}),
  };
}
