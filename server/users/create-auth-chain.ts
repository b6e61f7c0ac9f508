import type {Config} from '../../shared/index.js';
import {AuthChain} from './auth-chain.js';
import {FileUserDirectory} from './file-user-directory.js';
import {GivenMethod} from './given-method.js';
import {MoinUserDirectory, type MoinUserDirectoryOptions} from './moin-user-directory.js';
import type {LoginMethod} from './types.js';

/** Builds the `auth` list of a resolved config, in order. Throws if a method cannot start. */
export function createAuthChain(
  config: Pick<Config, 'auth' | 'users_file'>,
  options: MoinUserDirectoryOptions = {}
): AuthChain {
  const methods: LoginMethod[] = [];
  try {
    for (const a of config.auth) {
      if (a.method === 'users_file') methods.push(new FileUserDirectory(config.users_file));
      else if (a.method === 'moin') methods.push(new MoinUserDirectory(a.user_dir, options));
      else methods.push(new GivenMethod(a));
    }
  } catch (err) {
    for (const m of methods) m.close();
    throw err;
  }
  return new AuthChain(methods);
}
