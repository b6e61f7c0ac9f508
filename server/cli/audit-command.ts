import type {AuditEntry} from '../store/types.js';
import {parseCommandArgs, stringArg} from './args.js';
import {loadConfig} from './config-file.js';
import {COMMAND_HELP} from './help.js';
import type {CliIo} from './io.js';
import {withStore} from './open-store.js';

/** `moin-session audit`: the change-user log, one line per entry, oldest first. */
export async function auditCommand(args: string[], io: CliIo): Promise<number> {
  const {values} = parseCommandArgs(
    'audit',
    args,
    {config: {type: 'string'}},
    {min: 0, max: 0, names: ''}
  );
  if (values['help']) {
    io.stdout.write(COMMAND_HELP['audit']!);
    return 0;
  }
  const config = loadConfig(stringArg(values['config']));
  return withStore(config, 'audit', async (store) => {
    for (const e of await store.listAudit()) io.stdout.write(formatAuditEntry(e) + '\n');
    return 0;
  });
}

/**
 * `TIME ACTION ACTOR → TARGET ADDRESS session=REF method=METHOD` (`method=`: the login method the
 * record names, when it names one; issue 13). A field that holds a space, a quote, a
 * backslash or a control character is written as a JSON string, so no stored value (an address
 * written before addresses were checked, an odd user name) can pass for another field or line.
 */
export function formatAuditEntry(e: AuditEntry): string {
  const ref = e.session ? ` session=${field(e.session)}` : '';
  const address = e.address ? field(e.address) : '-';
  const method = e.method ? ` method=${field(e.method)}` : '';
  return `${new Date(e.at).toISOString()} ${field(e.action)} ${field(e.actor)} → ${field(e.target)} ${address}${ref}${method}`;
}

// Printable, no space, quote or backslash: written as is; anything else is quoted.
const PLAIN = /^[^\s"\\\p{Cc}\p{Cf}\p{Z}]+$/u;

function field(value: string): string {
  return value !== '' && PLAIN.test(value) ? value : JSON.stringify(value);
}
