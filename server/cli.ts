// Entry point of the `moin-session` command (bin/moin-session.js imports the built copy).
import {processIo, runCli} from './cli/index.js';

process.exitCode = await runCli(process.argv.slice(2), processIo());
