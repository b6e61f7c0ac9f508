import {mkdir, writeFile} from 'node:fs/promises';
import {afterEach, describe, expect, it} from 'vitest';
import {createSessionService} from '../../../server/service.js';
import {FileUserDirectory} from '../../../server/users/file-user-directory.js';
import {HttpClient} from '../../support/http-client.js';
import {makeTempDir} from '../../support/temp-dir.js';
import {runCli} from '../../support/spawn-cli.js';
import {moinHashes, moinId, moinUserText, writeMoinUser} from '../../support/moin-fixtures.js';

// issue 13: audit records name the login method that logged the session in.

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

type View = {user: {name: string} | null; realUser: {name: string} | null};

/** A real server on a SQLite file: WikiAdmin in the wiki's user_dir, Bob in users.json, `given`. */
async function start() {
  const dir = await makeTempDir('audit-method-');
  cleanups.push(() => dir.cleanup());
  const userDir = dir.file('data', 'user');
  await mkdir(userDir, {recursive: true});
  const [hash] = moinHashes([['{SSHA}', 'admin-pw']]);
  writeMoinUser(
    userDir,
    moinId(0),
    moinUserText(moinId(0), {name: 'WikiAdmin', enc_password: hash!})
  );
  const file = new FileUserDirectory(dir.file('users.json'));
  await file.add('Bob', 'bob-pw');
  await file.add('Zed', 'zed-pw');
  const config = {
    store: `sqlite:${dir.file('sessions.db')}`,
    users_file: dir.file('users.json'),
    trust_proxy: true,
    auth: [
      {method: 'given', header: 'X-Remote-User'},
      {method: 'moin', user_dir: userDir},
      {method: 'users_file'},
    ],
    superuser: ['WikiAdmin'],
    log_level: 'silent',
  };
  const configFile = dir.file('config.json');
  await writeFile(configFile, JSON.stringify(config));
  const service = createSessionService(config);
  cleanups.push(() => service.close());
  return {url: (await service.listen(0, '127.0.0.1')).url, configFile};
}

const audit = async (configFile: string) => {
  const out = await runCli(['audit', '--config', configFile]);
  expect(out.code, out.stderr).toBe(0);
  return out.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [, action, actor, , target] = line.split(' ');
      return [action, actor, target, /method=(\S+)$/.exec(line)?.[1] ?? null];
    });
};

describe('audit records name the login method', () => {
  it('names the superuser login method on su_start and su_return, and the new login on su_end_login', async () => {
    const {url, configFile} = await start();
    const admin = new HttpClient(url);
    expect((await admin.post('/api/login', {name: 'WikiAdmin', password: 'admin-pw'})).status).toBe(
      200
    );
    expect((await admin.post('/api/su', {name: 'Bob'})).status).toBe(200);
    expect((await admin.delete('/api/su')).status).toBe(200);
    expect((await admin.post('/api/su', {name: 'Bob'})).status).toBe(200);
    // A login over the switched session (users_file's Zed) ends the switch, naming that login.
    expect((await admin.post('/api/login', {name: 'Zed', password: 'zed-pw'})).status).toBe(200);

    expect(await audit(configFile)).toEqual([
      ['su_start', 'WikiAdmin', 'Bob', 'moin'],
      ['su_return', 'WikiAdmin', 'Bob', 'moin'],
      ['su_start', 'WikiAdmin', 'Bob', 'moin'],
      ['su_end_login', 'WikiAdmin', 'Bob', 'users_file'],
    ]);
  }, 60_000);

  it('names a front-proxy sign-on as given, also in the end record the CLI revocation writes', async () => {
    const {url, configFile} = await start();
    const admin = new HttpClient(url);
    const signedOn = await admin.get<View>('/api/session', {
      headers: {'x-remote-user': 'WikiAdmin'},
    });
    expect(signedOn.json.user).toEqual({name: 'WikiAdmin'});
    expect((await admin.post('/api/su', {name: 'Bob'})).status).toBe(200);
    const revoked = await runCli([
      'sessions',
      'revoke',
      '--user',
      'WikiAdmin',
      '--config',
      configFile,
    ]);
    expect(revoked.code, revoked.stderr).toBe(0);

    expect(await audit(configFile)).toEqual([
      ['su_start', 'WikiAdmin', 'Bob', 'given'],
      ['su_end_revoked', 'WikiAdmin', 'Bob', 'given'],
    ]);
    expect((await admin.get<View>('/api/session')).json.user).toBeNull();
  }, 60_000);
});
