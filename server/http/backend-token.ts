import {createHash, timingSafeEqual} from 'node:crypto';
import {readFileSync, statSync} from 'node:fs';
import {ConfigError} from '../../shared/index.js';

/** The shortest secret `backend_token_file` may hold, in characters. */
const MIN_BACKEND_SECRET_LENGTH = 32;

const KEY = 'backend_token_file';

/**
 * The back-end API's secret, kept as its SHA-256 digest only: comparing digests with
 * `timingSafeEqual` takes the same time whatever the candidate's length or content, and the secret
 * itself is not held in memory where an error or a log could print it.
 */
export class BackendToken {
  readonly #digest: Buffer;

  constructor(secret: string) {
    this.#digest = digest(secret);
  }

  /** Does the candidate equal the secret (constant time). */
  matches(candidate: string): boolean {
    return timingSafeEqual(this.#digest, digest(candidate));
  }

  /** Never the secret. */
  toJSON(): string {
    return '[backend token]';
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Reads `backend_token_file` at start-up (null → no back-end API). Refused with a ConfigError naming
 * the key (the CLI exits 2) when the file cannot be read, is not a regular file, grants group or
 * others any access, or holds fewer than {@link MIN_BACKEND_SECRET_LENGTH} characters. Surrounding
 * whitespace (a trailing newline) is not part of the secret. Messages never show the content.
 */
export function readBackendToken(file: string | null): BackendToken | null {
  if (file === null) return null;
  let text: string;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) throw new ConfigError(KEY, `"${file}" is not a regular file`);
    if ((stat.mode & 0o077) !== 0) {
      const mode = (stat.mode & 0o777).toString(8).padStart(3, '0');
      throw new ConfigError(
        KEY,
        `"${file}" has mode ${mode}: group and others must have no access (chmod 600 it)`
      );
    }
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(KEY, `"${file}" cannot be read (${code})`);
  }
  const secret = text.trim();
  if (secret.length < MIN_BACKEND_SECRET_LENGTH) {
    throw new ConfigError(
      KEY,
      `"${file}" holds a secret shorter than ${MIN_BACKEND_SECRET_LENGTH} characters`
    );
  }
  return new BackendToken(secret);
}
