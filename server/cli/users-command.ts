import {MoinError, type Config} from '../../shared/index.js';
import type {RevokeReason} from '../store/types.js';
import type {AuthChain} from '../users/auth-chain.js';
import {FileUserDirectory, UserChangeError} from '../users/file-user-directory.js';
import {MoinUserDirectory} from '../users/moin-user-directory.js';
import {parseCommandArgs, stringArg} from './args.js';
import {loadConfig} from './config-file.js';
import {DEMO_CONFIG} from './demo.js';
import {COMMAND_HELP} from './help.js';
import {UsageError, type CliIo} from './io.js';
import {openAuthChain} from './open-auth-chain.js';
import {withStore} from './open-store.js';
import {readPassword} from './password-input.js';

const ACTIONS = ['add', 'passwd', 'remove', 'disable', 'enable', 'list'];

/** `moin-session users …`: edits the users file (the server re-reads it at its next request). */
export async function usersCommand(args: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  if (action === undefined || action === '--help' || action === '-h') {
    io.stdout.write(COMMAND_HELP['users']!);
    return action === undefined ? 2 : 0;
  }
  if (!ACTIONS.includes(action)) {
    throw new UsageError(`users: unknown action "${action}"; use ${ACTIONS.join(', ')}`);
  }
  const list = action === 'list';
  const {values, positionals} = parseCommandArgs(
    `users ${action}`,
    rest,
    {config: {type: 'string'}, demo: {type: 'boolean'}},
    list ? {min: 0, max: 0, names: ''} : {min: 1, max: 1, names: 'NAME'}
  );
  if (values['help']) {
    io.stdout.write(COMMAND_HELP['users']!);
    return 0;
  }
  const config = loadConfig(
    stringArg(values['config']),
    {},
    values['demo'] === true ? DEMO_CONFIG : {}
  );
  const chain = await openAuthChain(config, io);
  const name = positionals[0] ?? '';
  const out = (line: string) => io.stdout.write(line + '\n');
  try {
    if (list) return listUsers(chain, config, out);
    return await change(action, name, ownFile(chain, action, name), config, io, out);
  } catch (err) {
    // One line that names the command, like every other CLI error.
    if (err instanceof UserChangeError) throw new UserChangeError(err.kind, named(action, err));
    throw err;
  } finally {
    chain.close();
  }
}

/** `users ACTION: there is no user named "X".` */
function named(action: string, err: Error): string {
  return `users ${action}: ${err.message.charAt(0).toLowerCase()}${err.message.slice(1)}`;
}

// `users list`: the union of every method, with the method that holds each account (issue 13).
function listUsers(chain: AuthChain, config: Config, out: (line: string) => void): number {
  const supers = new Set(config.superuser);
  const all = chain.list();
  if (all.length === 0) {
    const onlyFile = chain.methods.length === 1 && chain.methods[0]!.method === 'users_file';
    out(onlyFile ? `(no users in ${config.users_file})` : '(no users)');
  }
  const width = Math.max(4, ...all.map((u) => u.name.length));
  const several = chain.methods.length > 1;
  for (const u of all) {
    const role = supers.has(u.name) ? '  superuser' : '';
    const from = several ? `  ${u.method}` : '';
    out(`${u.name.padEnd(width)}  ${u.disabled ? 'disabled' : 'enabled '}${from}${role}`.trimEnd());
  }
  return 0;
}

// The users file, when `action` may change `name` there: accounts of the wiki (or the proxy) are
// never written by us.
function ownFile(chain: AuthChain, action: string, name: string): FileUserDirectory {
  const file = chain.methods.find((m) => m instanceof FileUserDirectory);
  const owner = chain.owner(name.trim())?.method;
  if (owner && owner !== file) {
    const where = owner instanceof MoinUserDirectory ? ` (user_dir ${owner.dir})` : '';
    throw new UsageError(
      `users ${action}: "${name.trim()}" is an account of the "${owner.method}" method${where}: it belongs to the wiki; change it there`
    );
  }
  if (!file) {
    throw new UsageError(`users ${action}: the auth list has no "users_file" method to change`);
  }
  return file;
}

async function change(
  action: string,
  name: string,
  users: FileUserDirectory,
  config: Config,
  io: CliIo,
  out: (line: string) => void
): Promise<number> {
  switch (action) {
    case 'add': {
      const u = await users.add(name, await readPassword(io, true));
      out(`added ${u.name}`);
      return 0;
    }
    case 'passwd': {
      const u = await users.setPassword(name, await readPassword(io, true));
      out(`changed the password of ${u.name}`);
      // A new password ends every session of that user, everywhere (OWASP: sessions after a
      // credential change).
      await endSessions(config, 'users passwd', u.name, 'passwd', out);
      return 0;
    }
    case 'remove': {
      const removed = name.trim();
      await users.remove(name);
      out(`removed ${removed}`);
      // Ended now, not at the session's next request: a user added again under the same name
      // must never inherit the old cookies.
      await endSessions(config, 'users remove', removed, 'removed', out);
      return 0;
    }
    default: {
      const u = await users.setDisabled(name, action === 'disable');
      out(`${action}d ${u.name}`);
      // Ended now: enabling the account again must not bring the old cookies back.
      if (action === 'disable') await endSessions(config, 'users disable', u.name, 'disabled', out);
      return 0;
    }
  }
}

/**
 * Ends every session of `user` in the store at once (and announces them, so open sockets get the
 * anonymous view); a change of user in one of them gets its end record (`how`).
 */
async function endSessions(
  config: Config,
  command: string,
  user: string,
  how: RevokeReason,
  out: (line: string) => void
): Promise<void> {
  // Loaded on demand, as withStore does: the store clients are the CLI's slowest imports.
  const {backendFor} = await import('../backends/index.js');
  // A store inside a server process (memory:) is out of the CLI's reach: nothing to end here.
  if (backendFor(config.store).inProcess) return;
  try {
    const n = await withStore(
      config,
      command,
      async (store) => (await store.revokeUser(user, how, Date.now())).length
    );
    out(`ended ${n} session${n === 1 ? '' : 's'} of ${user}`);
  } catch (err) {
    const why = err instanceof MoinError || err instanceof Error ? err.message : String(err);
    throw new MoinError('store_unavailable', `the sessions of ${user} could not be ended: ${why}`);
  }
}
