// The `moin-session` command line (bin/moin-session.js → dist/server/cli.js → runCli).
export {runCli} from './main.js';
export {processIo, CommandError, UsageError} from './io.js';
export type {CliIo} from './io.js';
export {loadConfig} from './config-file.js';
export type {ConfigOverrides} from './config-file.js';
export {DEMO_CONFIG, DEMO_USERS, seedDemoUsers} from './demo.js';
export {formatAuditEntry} from './audit-command.js';
export {formatTable} from './sessions-command.js';
