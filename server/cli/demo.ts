import {existsSync} from 'node:fs';
import {FileUserDirectory} from '../users/file-user-directory.js';

/** The demo users `serve --demo` creates when the users file does not exist yet. */
export const DEMO_USERS: readonly {name: string; password: string; superuser: boolean}[] = [
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
