import {FileUserDirectory, UsersFileError} from '../users/file-user-directory.js';
import {validateUserName} from '../users/user-name.js';
import type {SessionSummary} from '../store/types.js';
import {parseCommandArgs, stringArg} from './args.js';
import {loadConfig} from './config-file.js';
import {COMMAND_HELP} from './help.js';
import {CommandError, UsageError, type CliIo} from './io.js';
import {withStore} from './open-store.js';

const ACTIONS = ['list', 'revoke', 'purge'];

/** `moin-session sessions list|revoke|purge`. Never prints a session id, only short refs. */
export async function sessionsCommand(args: string[], io: CliIo): Promise<number> {
  const [action, ...rest] = args;
  if (action === undefined || action === '--help' || action === '-h') {
    io.stdout.write(COMMAND_HELP['sessions']!);
    return action === undefined ? 2 : 0;
  }
  if (!ACTIONS.includes(action)) {
    throw new UsageError(`sessions: unknown action "${action}"; use ${ACTIONS.join(', ')}`);
  }
  const {values} = parseCommandArgs(
    `sessions ${action}`,
    rest,
    {config: {type: 'string'}, ...(action === 'purge' ? {} : {user: {type: 'string'}})},
    {min: 0, max: 0, names: ''}
  );
  if (values['help']) {
    io.stdout.write(COMMAND_HELP['sessions']!);
    return 0;
  }
  let user = stringArg(values['user']);
  if (user !== undefined) {
    const checked = validateUserName(user);
    if (!checked.ok) throw new UsageError(`--user: ${checked.message}`);
    user = checked.name;
  }
  if (action === 'revoke' && user === undefined) {
    throw new UsageError('sessions revoke: --user NAME is required');
  }
  const config = loadConfig(stringArg(values['config']));
  // An unknown user is an error, as for `users remove`: a name that is neither in the users file
  // nor behind any session (a removed user's sessions may outlive the entry) is most likely a typo.
  const known = user === undefined || userExists(config.users_file, user);
  const unknown = () => new CommandError(`sessions ${action}: there is no user named "${user}".`);
  const out = (line: string) => io.stdout.write(line + '\n');
  return withStore(config, `sessions ${action}`, async (store, announce) => {
    const now = Date.now();
    if (action === 'list') {
      const rows = (await store.list(now, user)).sort((a, b) => a.createdAt - b.createdAt);
      if (!known && rows.length === 0) throw unknown();
      out(formatTable(rows));
    } else if (action === 'revoke') {
      const keys = await store.revokeUser(user!);
      if (!known && keys.length === 0) throw unknown();
      await announce(keys);
      out(`ended ${keys.length} session${keys.length === 1 ? '' : 's'} of ${user}`);
    } else {
      const n = await store.purgeExpired(now);
      out(`removed ${n} expired session${n === 1 ? '' : 's'}`);
    }
    return 0;
  });
}

function userExists(file: string, name: string): boolean {
  try {
    return new FileUserDirectory(file).get(name) !== undefined;
  } catch (err) {
    if (err instanceof UsersFileError) throw new UsageError(err.message);
    throw err;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The `sessions list` table: REF USER ACTING-AS TRAIL CREATED EXPIRES. */
export function formatTable(rows: SessionSummary[]): string {
  const table = [
    ['REF', 'USER', 'ACTING-AS', 'TRAIL', 'CREATED', 'EXPIRES'],
    ...rows.map((r) => [
      r.ref,
      r.user ?? '(anonymous)',
      r.suTarget ?? '-',
      String(r.trailLength),
      iso(r.createdAt),
      iso(r.expiresAt),
    ]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const lines = table.map((row) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd()
  );
  lines.push(`${rows.length} session${rows.length === 1 ? '' : 's'}`);
  return lines.join('\n');
}
