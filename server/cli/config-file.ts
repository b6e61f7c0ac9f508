import {readFileSync} from 'node:fs';
import {ConfigError, resolveConfig, type Config} from '../../shared/index.js';
import {UsageError} from './io.js';

/** Values from command-line flags that override the file. */
export interface ConfigOverrides {
  port?: number;
  host?: string;
  log_level?: Config['log_level'];
}

/**
 * Reads and validates the configuration: `defaults` (the demo's), then the JSON file, then the
 * flags. Every problem is a {@link UsageError} whose one line names the file and the key.
 * Relative paths in the config (store, users_file) resolve against the current directory.
 */
export function loadConfig(
  file: string | undefined,
  overrides: ConfigOverrides = {},
  defaults: Readonly<Record<string, unknown>> = {}
): Config {
  let fromFile: Record<string, unknown> = {};
  if (file !== undefined) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code;
      throw new UsageError(`config: ${file}: cannot be read (${why})`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new UsageError(`config: ${file}: is not valid JSON (${(err as Error).message})`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new UsageError(`config: ${file}: must be a JSON object of settings`);
    }
    fromFile = parsed as Record<string, unknown>;
  }
  try {
    return resolveConfig({...defaults, ...fromFile, ...overrides});
  } catch (err) {
    if (err instanceof ConfigError) {
      throw new UsageError(file === undefined ? err.message : `${err.message} (in ${file})`);
    }
    throw err;
  }
}
