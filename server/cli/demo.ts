import {existsSync} from 'node:fs';
import {DEFAULT_CONFIG, type Config} from '../../shared/index.js';
import {FileUserDirectory} from '../users/file-user-directory.js';

/** The demo users `serve --demo` creates when the users file does not exist yet. */
const DEMO_USERS: readonly {name: string; password: string; superuser: boolean}[] = [
  {name: 'Admin', password: 'admin', superuser: true},
  {name: 'Alice', password: 'alice', superuser: false},
  {name: 'Bob', password: 'bob', superuser: false},
];

/**
 * The demo's configuration defaults (a config file still wins): Admin may change user, and anonymous
 * visitors get a one-hour session so the page trail works before login.
 */
export const DEMO_CONFIG: Readonly<Record<string, unknown>> = Object.freeze({
  superuser: DEMO_USERS.filter((u) => u.superuser).map((u) => u.name),
  cookie_lifetime: [1, 12],
});

/** Creates the demo users unless the users file exists; true when it created them. */
export async function seedDemoUsers(file: string): Promise<boolean> {
  if (existsSync(file)) return false;
  const users = new FileUserDirectory(file);
  for (const u of DEMO_USERS) await users.add(u.name, u.password);
  return true;
}

/**
 * What `serve --demo` prints after its ready line: where to go, how to log in, how to stop and how
 * to start over. `seeded`: the users were created by this start (else the file's own passwords
 * apply, and the demo ones may not).
 */
export function demoBanner(url: string, config: Config, seeded: boolean): string {
  const width = Math.max(...DEMO_USERS.map((u) => u.name.length));
  const others = DEMO_USERS.filter((u) => !u.superuser).map((u) => u.name);
  const logins = DEMO_USERS.map((u) => {
    const who = `${u.name.padEnd(width)} / ${u.password.padEnd(width)}`;
    const role = u.superuser ? `  superuser: may act as ${others.join(' or ')}` : '';
    return `    ${who}${role}`.trimEnd();
  });
  const defaults =
    config.store === DEFAULT_CONFIG.store && config.users_file === DEFAULT_CONFIG.users_file;
  const reset = defaults
    ? '`rm -rf data` resets the demo'
    : `delete ${config.store.replace(/^sqlite:/, '')} and ${config.users_file} to reset`;
  return [
    '',
    `  The demo wiki: ${url}/`,
    seeded
      ? '  Demo logins (created just now, for local use only):'
      : `  Demo logins (unless ${config.users_file} was changed since it was created):`,
    ...logins,
    `  Ctrl-C stops; ${reset}.`,
    '',
    '',
  ].join('\n');
}
