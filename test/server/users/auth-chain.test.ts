import {mkdir, writeFile} from 'node:fs/promises';
import {afterEach, describe, expect, it} from 'vitest';
import {AuthChain} from '../../../server/users/auth-chain.js';
import {FileUserDirectory} from '../../../server/users/file-user-directory.js';
import {MoinUserDirectory} from '../../../server/users/moin-user-directory.js';
import {makeTempDir, type TempDir} from '../../support/temp-dir.js';
import {moinHashes, moinId, moinUserText} from '../../support/moin-fixtures.js';

let dir: TempDir | undefined;
let chain: AuthChain | undefined;
afterEach(async () => {
  chain?.close();
  await dir?.cleanup();
  chain = dir = undefined;
});

// Alice is in both: the wiki's password is "wiki-pw", the users file's "file-pw".
async function both(order: 'moin-first' | 'file-first') {
  dir = await makeTempDir('chain-');
  await mkdir(dir.file('user'));
  const [h] = moinHashes([['{SSHA}', 'wiki-pw']]);
  await writeFile(
    dir.file('user', moinId(1)),
    moinUserText(moinId(1), {name: 'Alice', enc_password: h!})
  );
  const file = new FileUserDirectory(dir.file('users.json'));
  await file.add('Alice', 'file-pw');
  await file.add('Zed', 'zed-pw');
  const moin = new MoinUserDirectory(dir.file('user'));
  await moin.ready();
  chain = new AuthChain(order === 'moin-first' ? [moin, file] : [file, moin]);
  return chain;
}

describe('AuthChain', () => {
  it('lets the first method that knows a name decide, with no fall-through on a wrong password', async () => {
    const c = await both('moin-first');
    expect(await c.verify('Alice', 'wiki-pw')).toMatchObject({name: 'Alice', method: 'moin'});
    expect(await c.verify('Alice', 'file-pw')).toBeUndefined();
    expect(await c.verify('Zed', 'zed-pw')).toMatchObject({name: 'Zed', method: 'users_file'});
  });

  it('follows the configured order', async () => {
    const c = await both('file-first');
    expect(await c.verify('Alice', 'file-pw')).toMatchObject({method: 'users_file'});
    expect(await c.verify('Alice', 'wiki-pw')).toBeUndefined();
  });

  it('lists and searches the union, a shared name once, under its first method', async () => {
    const c = await both('moin-first');
    expect(c.list()).toEqual([
      {name: 'Alice', disabled: false, method: 'moin'},
      {name: 'Zed', disabled: false, method: 'users_file'},
    ]);
    expect(c.search('', 10).map((u) => u.name)).toEqual(['Alice', 'Zed']);
    expect(c.get('Zed')).toMatchObject({method: 'users_file'});
  });
});
