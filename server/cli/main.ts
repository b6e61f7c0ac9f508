import {readFileSync} from 'node:fs';
import {isMoinError} from '../../shared/index.js';
import {UserChangeError, UsersFileError} from '../users/file-user-directory.js';
import {USAGE} from './help.js';
import {CommandError, UsageError, processIo, type CliIo} from './io.js';

/**
 * The `moin-session` process (bin/moin-session.js calls the built copy): runs the command line it
 * was given and sets the exit code.
 */
export async function main(): Promise<void> {
  process.exitCode = await runCli(process.argv.slice(2), processIo());
}

/**
 * Runs one CLI invocation and resolves with its exit code: 0 done, 1 the operation failed, 2 bad
 * arguments or configuration. Errors are one line on stderr, `moin-session: …`.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
        io.stderr.write(USAGE);
        return 2;
      case '--help':
      case '-h':
      case 'help':
        io.stdout.write(USAGE);
        return 0;
      case '--version':
        io.stdout.write(`${packageVersion()}\n`);
        return 0;
      // Commands load their modules on demand: `users list` should not pay for the server, Redis
      // and SQLite client start-up (a few hundred ms per run).
      case 'serve':
        return await (await import('./serve.js')).serve(rest, io);
      case 'users':
        return await (await import('./users-command.js')).usersCommand(rest, io);
      case 'sessions':
        return await (await import('./sessions-command.js')).sessionsCommand(rest, io);
      case 'audit':
        return await (await import('./audit-command.js')).auditCommand(rest, io);
      case 'assets':
        return await (await import('./assets-command.js')).assetsCommand(rest, io);
      default:
        throw new UsageError(`unknown command "${command}"; run moin-session --help`);
    }
  } catch (err) {
    const [code, message] = classify(err);
    io.stderr.write(`moin-session: ${message}\n`);
    return code;
  }
}

function classify(err: unknown): [number, string] {
  if (err instanceof UsageError || err instanceof UsersFileError) return [2, err.message];
  if (err instanceof UserChangeError) return [err.kind === 'usage' ? 2 : 1, err.message];
  if (err instanceof CommandError || isMoinError(err)) return [1, (err as Error).message];
  const message = err instanceof Error ? err.message : String(err);
  return [1, message.split('\n')[0] ?? 'failed'];
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
  return String(pkg.version);
}
