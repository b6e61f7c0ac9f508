import {readFile, stat} from 'node:fs/promises';

/** A file's contents with a validator for conditional requests. */
export interface FileSnapshot {
  body: Buffer;
  etag: string;
}

/**
 * A file served from memory: read once, then re-read only when an (asynchronous) stat shows a new
 * size or mtime, so a rebuilt bundle or an edited demo page is picked up without a restart and no
 * request blocks on the disk. `get` resolves to null while the file does not exist.
 */
export class CachedFile {
  readonly path: string;
  #snapshot: FileSnapshot | null = null;
  #stamp = '';

  constructor(path: string) {
    this.path = path;
  }

  async get(): Promise<FileSnapshot | null> {
    let stamp: string;
    try {
      const s = await stat(this.path);
      if (!s.isFile()) return null;
      stamp = `${s.size}-${Math.floor(s.mtimeMs)}`;
    } catch {
      this.#snapshot = null;
      this.#stamp = '';
      return null;
    }
    if (this.#snapshot && stamp === this.#stamp) return this.#snapshot;
    try {
      const body = await readFile(this.path);
      this.#snapshot = {body, etag: `"${stamp}"`};
      this.#stamp = stamp;
    } catch {
      return null; // removed between stat and read
    }
    return this.#snapshot;
  }
}
