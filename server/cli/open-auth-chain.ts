import type {Config} from '../../shared/index.js';
import type {AuthChain} from '../users/auth-chain.js';
import {createAuthChain} from '../users/create-auth-chain.js';
import {UsersFileError} from '../users/file-user-directory.js';
import {MoinUserDirError} from '../users/moin-user-directory.js';
import {UsageError, type CliIo} from './io.js';

/**
 * The config's `auth` chain for a CLI command, so the command knows the accounts the server
 * knows (a wiki's `user_dir` too, not only the users file). A users file or user_dir that cannot
 * be read is a usage error (exit 2); warnings about single accounts go to stderr. Resolves once
 * every method has read its accounts. The caller closes the chain.
 */
export async function openAuthChain(
  config: Pick<Config, 'auth' | 'users_file'>,
  io: CliIo
): Promise<AuthChain> {
  let chain: AuthChain;
  try {
    chain = createAuthChain(config, {onWarning: (m) => io.stderr.write(`moin-session: ${m}\n`)});
  } catch (err) {
    if (err instanceof UsersFileError || err instanceof MoinUserDirError) {
      throw new UsageError(err.message);
    }
    throw err;
  }
  await chain.ready();
  return chain;
}
