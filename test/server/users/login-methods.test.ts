import {mkdir, writeFile} from 'node:fs/promises';
import {AuthChain} from '../../../server/users/auth-chain.js';
import {FileUserDirectory} from '../../../server/users/file-user-directory.js';
import {GivenMethod} from '../../../server/users/given-method.js';
import {MoinUserDirectory} from '../../../server/users/moin-user-directory.js';
import {makeTempDir} from '../../support/temp-dir.js';
import {ACCOUNTS, describeLoginMethod} from './login-method-conformance.js';
import {moinHashes, moinId, moinUserText, type Scheme} from '../../support/moin-fixtures.js';

async function usersFile(): Promise<{method: FileUserDirectory; cleanup: () => Promise<void>}> {
  const dir = await makeTempDir('users-file-');
  const method = new FileUserDirectory(dir.file('users.json'));
  for (const a of ACCOUNTS) {
    await method.add(a.name, a.password);
    if (a.disabled) await method.setDisabled(a.name, true);
  }
  return {method, cleanup: dir.cleanup};
}

// Each account in another 1.9 format, so the suite covers several of them.
const FORMATS: Scheme[] = ['{PASSLIB}', '{SSHA}', '{APR1}', '{MD5}'];

async function moinDir(): Promise<{method: MoinUserDirectory; cleanup: () => Promise<void>}> {
  const dir = await makeTempDir('moin-user-');
  await mkdir(dir.file('user'));
  const hashes = moinHashes(ACCOUNTS.map((a, i) => [FORMATS[i]!, a.password]));
  await Promise.all(
    ACCOUNTS.map((a, i) =>
      writeFile(
        dir.file('user', moinId(i)),
        moinUserText(moinId(i), {
          name: a.name,
          enc_password: hashes[i]!,
          disabled: a.disabled ? 1 : 0,
        })
      )
    )
  );
  const method = new MoinUserDirectory(dir.file('user'));
  await method.ready();
  return {method, cleanup: dir.cleanup};
}

function given(): GivenMethod {
  const g = new GivenMethod({
    method: 'given',
    header: 'x-remote-user',
    strip_maildomain: false,
    strip_windomain: false,
    titlecase: false,
    remove_blanks: false,
    autocreate: true,
  });
  for (const a of ACCOUNTS) if (!a.disabled) g.autocreate(a.name);
  return g;
}

describeLoginMethod('users_file', usersFile);
describeLoginMethod('moin', moinDir);
describeLoginMethod('given (autocreate)', async () => ({method: given()}));
describeLoginMethod('a chain of one users_file', async () => {
  const {method, cleanup} = await usersFile();
  return {
    method: Object.assign(new AuthChain([method]), {method: 'chain', passwords: true}),
    cleanup,
  };
});
