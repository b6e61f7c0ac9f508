import type {Config} from '../../shared/index.js';
import {once} from 'node:events';
import type {Writable} from 'node:stream';
import {validateUserName} from '../users/user-name.js';
import type {SessionSummary} from '../store/types.js';
import {parseCommandArgs, stringArg} from './args.js';
import {loadConfig} from './config-file.js';
import {COMMAND_HELP} from './help.js';
import {CommandError, UsageError, type CliIo} from './io.js';
import {openAuthChain} from './open-auth-chain.js';
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
  // An unknown user is an error, as for `users remove`: a name that no `auth` method knows and no
  // session has (a removed user's sessions may outlive the entry) is most likely a typo.
  const known = user === undefined || (await userExists(config, user, io));
  const unknown = () => new CommandError(`sessions ${action}: there is no user named "${user}".`);
  const out = (line: string) => io.stdout.write(line + '\n');
  return withStore(config, `sessions ${action}`, async (store) => {
    const now = Date.now();
    if (action === 'list') {
      // Streamed when the store can (bounded memory at any size), else its rows, oldest first.
      let scan: () => Iterable<SessionSummary>;
      if (store.scanList) {
        scan = () => store.scanList!(now, user);
      } else {
        const rows = (await store.list(now, user)).sort((a, b) => a.createdAt - b.createdAt);
        scan = () => rows;
      }
      if (!known) {
        // An unknown name that matches no session fails, before anything is printed; the break
        // closes the iterator (it may hold a statement).
        let none = true;
        for (const _row of scan()) {
          none = false;
          break;
        }
        if (none) throw unknown();
      }
      await writeTable(scan, io.stdout);
    } else if (action === 'revoke') {
      const keys = await store.revokeUser(user!, 'revoked', now);
      if (!known && keys.length === 0) throw unknown();
      out(`ended ${keys.length} session${keys.length === 1 ? '' : 's'} of ${user}`);
    } else {
      const n = await store.purgeExpired(now);
      out(`removed ${n} expired session${n === 1 ? '' : 's'}`);
    }
    return 0;
  });
}

// Asks the `auth` chain, as the server does: an account of a wiki's user_dir is a user too.
async function userExists(config: Config, name: string, io: CliIo): Promise<boolean> {
  const chain = await openAuthChain(config, io);
  try {
    return chain.owner(name) !== undefined;
  } finally {
    chain.close();
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const HEADER = ['REF', 'USER', 'ACTING-AS', 'TRAIL', 'CREATED', 'EXPIRES'];

function cells(r: SessionSummary): string[] {
  return [
    r.ref,
    r.user ?? '(anonymous)',
    r.suTarget ?? '-',
    String(r.trailLength),
    iso(r.createdAt),
    iso(r.expiresAt),
  ];
}

function line(row: string[], widths: number[]): string {
  return row
    .map((cell, i) => cell.padEnd(widths[i]!))
    .join('  ')
    .trimEnd();
}

function countLine(n: number): string {
  return `${n} session${n === 1 ? '' : 's'}`;
}

/** Column widths and row count of a table, in one pass that keeps no row. */
function measure(rows: Iterable<SessionSummary>): {widths: number[]; count: number} {
  const widths = HEADER.map((h) => h.length);
  let count = 0;
  for (const r of rows) {
    count++;
    cells(r).forEach((cell, i) => {
      if (cell.length > widths[i]!) widths[i] = cell.length;
    });
  }
  return {widths, count};
}

/** The `sessions list` table: REF USER ACTING-AS TRAIL CREATED EXPIRES. */
export function formatTable(rows: SessionSummary[]): string {
  const {widths} = measure(rows);
  const lines = [line(HEADER, widths), ...rows.map((r) => line(cells(r), widths))];
  lines.push(countLine(rows.length));
  return lines.join('\n');
}

const CHUNK_CHARS = 64 * 1024;

/**
 * Writes the table of `scan()` to `out` without holding the rows: one scan measures the columns,
 * a second prints, in chunks of about 64 KiB, waiting for `out` to drain when it asks to. Rows that
 * appear between the two scans print (perhaps misaligned); the count is of the printed rows.
 */
async function writeTable(scan: () => Iterable<SessionSummary>, out: Writable): Promise<number> {
  const {widths} = measure(scan());
  let chunk = line(HEADER, widths) + '\n';
  let count = 0;
  const write = async () => {
    const text = chunk;
    chunk = '';
    if (!out.write(text)) await once(out, 'drain');
  };
  for (const r of scan()) {
    count++;
    chunk += line(cells(r), widths) + '\n';
    if (chunk.length >= CHUNK_CHARS) await write();
  }
  chunk += countLine(count) + '\n';
  await write();
  return count;
}
