import {ConfigError, LOG_LEVELS, type LogLevel} from '../../shared/index.js';
import {humanLogDestination} from '../human-log.js';
import {backendFor} from '../backends/index.js';
import {createLogger} from '../log.js';
import {createSessionService} from '../service.js';
import {UsersFileError} from '../users/file-user-directory.js';
import {MoinUserDirError} from '../users/moin-user-directory.js';
import {parseCommandArgs, portArg, stringArg} from './args.js';
import {loadConfig, type ConfigOverrides} from './config-file.js';
import {DEMO_CONFIG, demoBanner, seedDemoUsers} from './demo.js';
import {COMMAND_HELP} from './help.js';
import {CommandError, UsageError, type CliIo} from './io.js';

/**
 * `moin-session serve`: runs until SIGTERM/SIGINT, then drains and resolves with exit code 0.
 * The ready line goes to stdout; logs (JSON lines) go to stderr.
 */
export async function serve(args: string[], io: CliIo): Promise<number> {
  const {values} = parseCommandArgs(
    'serve',
    args,
    {
      config: {type: 'string'},
      port: {type: 'string'},
      host: {type: 'string'},
      'log-level': {type: 'string'},
      demo: {type: 'boolean'},
    },
    {min: 0, max: 0, names: ''}
  );
  if (values['help']) {
    io.stdout.write(COMMAND_HELP['serve']!);
    return 0;
  }
  const overrides: ConfigOverrides = {};
  const port = portArg(values['port']);
  if (port !== undefined) overrides.port = port;
  const host = stringArg(values['host']);
  if (host !== undefined) {
    if (host.trim() === '') throw new UsageError('--host: must not be empty');
    overrides.host = host;
  }
  const level = stringArg(values['log-level']);
  if (level !== undefined) {
    if (!(LOG_LEVELS as readonly string[]).includes(level)) {
      throw new UsageError(`--log-level: must be one of ${LOG_LEVELS.join(', ')}, got "${level}"`);
    }
    overrides.log_level = level as LogLevel;
  }
  // Listen for signals before anything else: one that arrives during start-up (or right after the
  // ready line) must still lead to a clean shutdown, not Node's default exit.
  const signalled = io.waitForSignal();
  const demo = values['demo'] === true;
  const config = loadConfig(stringArg(values['config']), overrides, demo ? DEMO_CONFIG : {});
  // The demo is read by a person at a terminal: one readable line per event instead of JSON.
  const logger = createLogger(
    config.log_level,
    demo ? {destination: humanLogDestination(io.stderr)} : {}
  );
  const seeded = demo && (await seedDemoUsers(config.users_file));
  if (seeded) {
    logger.info({event: 'demo_users', file: config.users_file}, 'created the demo users');
  }
  if (backendFor(config.store).inProcess) {
    logger.warn({event: 'memory_store'}, 'memory store: sessions are lost when the server stops');
  }
  let service;
  try {
    service = createSessionService(config, {logger});
  } catch (err) {
    if (
      err instanceof UsersFileError ||
      err instanceof MoinUserDirError ||
      err instanceof ConfigError
    ) {
      throw new UsageError(err.message);
    }
    throw err;
  }
  let server;
  let url;
  try {
    ({server, url} = await service.listen(config.port, config.host));
  } catch (err) {
    await service.close().catch(() => {});
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'EADDRINUSE'
        ? 'the address is in use'
        : e.code === 'EACCES'
          ? 'permission denied'
          : e.message;
    throw new CommandError(`serve: cannot listen on ${config.host}:${config.port}: ${why}`);
  }
  const address = server.address();
  const realPort = typeof address === 'object' && address ? address.port : config.port;
  io.stdout.write(`moin-session listening on ${url}\n`);
  if (demo) io.stdout.write(demoBanner(url, config, seeded));
  logger.info({event: 'listening', host: config.host, port: realPort}, 'listening');

  const signal = await signalled;
  logger.info({event: 'shutdown', signal}, 'shutting down');
  // service.close() drains: in-flight requests finish, keep-alive connections end with their last
  // answer, and whatever is left is cut after a timeout.
  await service.close();
  logger.info({event: 'stopped'}, 'stopped');
  return 0;
}
