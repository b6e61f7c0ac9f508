import {mkdirSync, writeFileSync} from 'node:fs';
import {mkdtemp, readFile, rm, stat, writeFile, rename} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {
  FileUserDirectory,
  STAT_INTERVAL_MS,
  UserChangeError,
  UsersFileError,
  type UsersFileError as UsersFileErrorType,
} from '../../../server/users/file-user-directory.js';
import {hashPassword} from '../../../server/users/password-hash.js';

let dir: string;
let file: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moin-users-'));
  file = join(dir, 'nested', 'deeper', 'users.json');
});
afterEach(async () => {
  await rm(dir, {recursive: true, force: true});
});

describe('FileUserDirectory with no file', () => {
  it('is empty and refuses every login', async () => {
    const users = new FileUserDirectory(file);
    expect(users.get('Alice')).toBeUndefined();
    expect(users.list()).toEqual([]);
    expect(await users.verify('Alice', 'x')).toBeUndefined();
  });
});

describe('FileUserDirectory writes', () => {
  it('creates missing folders and a file readable by the owner only', async () => {
    const users = new FileUserDirectory(file);
    await users.add('Alice', 'wonderland');
    const mode = (await stat(file)).mode & 0o777;
    expect(mode).toBe(0o600);
    const doc = JSON.parse(await readFile(file, 'utf8'));
    expect(doc.users.Alice.hash).toMatch(/^scrypt\$/);
    expect(doc.users.Alice.disabled).toBe(false);
    expect(JSON.stringify(doc)).not.toContain('wonderland');
  });

  it('verifies the password and refuses a wrong one', async () => {
    const users = new FileUserDirectory(file);
    await users.add('Alice', 'wonderland');
    expect(await users.verify('Alice', 'wonderland')).toEqual({name: 'Alice', disabled: false});
    expect(await users.verify('Alice', 'Wonderland')).toBeUndefined();
    expect(await users.verify('alice', 'wonderland')).toBeUndefined();
  });

  it('trims the name it is given', async () => {
    const users = new FileUserDirectory(file);
    await users.add('  Bob ', 'b');
    expect(users.get('Bob')).toEqual({name: 'Bob', disabled: false});
  });

  it('refuses a duplicate, a bad name and an empty password with sentences', async () => {
    const users = new FileUserDirectory(file);
    await users.add('Alice', 'a');
    await expect(users.add('Alice', 'b')).rejects.toThrow('There is already a user named "Alice".');
    await expect(users.add('A/B', 'b')).rejects.toThrow('The user name must not contain "/".');
    await expect(users.add('Carol', '')).rejects.toThrow('The password is empty.');
    await expect(users.add('Carol', '')).rejects.toBeInstanceOf(UserChangeError);
    expect(users.list().map((u) => u.name)).toEqual(['Alice']);
  });

  it('disables, enables, changes passwords and removes', async () => {
    const users = new FileUserDirectory(file);
    await users.add('Alice', 'a');
    await users.setDisabled('Alice', true);
    expect(users.get('Alice')).toEqual({name: 'Alice', disabled: true});
    expect(await users.verify('Alice', 'a')).toBeUndefined();
    await users.setDisabled('Alice', false);
    await users.setPassword('Alice', 'new');
    expect(await users.verify('Alice', 'a')).toBeUndefined();
    expect(await users.verify('Alice', 'new')).toEqual({name: 'Alice', disabled: false});
    await users.remove('Alice');
    expect(users.get('Alice')).toBeUndefined();
    await expect(users.remove('Alice')).rejects.toThrow('There is no user named "Alice".');
    await expect(users.setDisabled('Zed', true)).rejects.toThrow('There is no user named "Zed".');
  });

  it('keeps fields it does not know when rewriting', async () => {
    const hash = await hashPassword('a');
    await new FileUserDirectory(file).add('Seed', 'x');
    await writeFile(
      file,
      JSON.stringify({users: {Alice: {hash, disabled: false, email: 'a@example.org'}}})
    );
    const users = new FileUserDirectory(file);
    await users.setDisabled('Alice', true);
    const doc = JSON.parse(await readFile(file, 'utf8'));
    expect(doc.users.Alice).toEqual({hash, disabled: true, email: 'a@example.org'});
  });

  it('leaves no temp files behind', async () => {
    const users = new FileUserDirectory(file);
    await users.add('Alice', 'a');
    await users.add('Bob', 'b');
    const {readdir} = await import('node:fs/promises');
    expect(await readdir(join(dir, 'nested', 'deeper'))).toEqual(['users.json']);
  });
});

// Another process's edit shows once the stat interval has passed.
const afterStatInterval = () => new Promise((r) => setTimeout(r, STAT_INTERVAL_MS + 10));

describe('FileUserDirectory sees changes made by another process', () => {
  it('notices a user added, disabled and removed through another instance', async () => {
    const server = new FileUserDirectory(file);
    const cli = new FileUserDirectory(file);
    expect(server.get('Bob')).toBeUndefined();
    await cli.add('Bob', 'b');
    await afterStatInterval();
    expect(server.get('Bob')).toEqual({name: 'Bob', disabled: false});
    await cli.setDisabled('Bob', true);
    await afterStatInterval();
    expect(server.get('Bob')).toEqual({name: 'Bob', disabled: true});
    await cli.remove('Bob');
    await afterStatInterval();
    expect(server.get('Bob')).toBeUndefined();
  });

  it('stats the file at most once per interval on the hot path', async () => {
    const hash = await hashPassword('b');
    mkdirSync(dirname(file), {recursive: true});
    const server = new FileUserDirectory(file);
    expect(server.get('Bob')).toBeUndefined();
    // A synchronous edit right after a lookup: within the interval the cached contents answer
    // (no stat), after it the edit is seen. No await in between, so no scheduling can stretch it.
    writeFileSync(file, JSON.stringify({users: {Bob: {hash, disabled: false}}}));
    expect(server.get('Bob')).toBeUndefined();
    await afterStatInterval();
    expect(server.get('Bob')?.name).toBe('Bob');
  });

  it('starts from the file, not its own cache, when writing', async () => {
    const a = new FileUserDirectory(file);
    const b = new FileUserDirectory(file);
    await a.add('Alice', 'a');
    await b.add('Bob', 'b');
    await a.add('Carol', 'c');
    expect(new FileUserDirectory(file).list().map((u) => u.name)).toEqual([
      'Alice',
      'Bob',
      'Carol',
    ]);
  });

  it('keeps the last good contents and reports once when the file turns bad', async () => {
    const reports: UsersFileErrorType[] = [];
    const server = new FileUserDirectory(file, {onReloadError: (e) => reports.push(e)});
    await new FileUserDirectory(file).add('Alice', 'a');
    await afterStatInterval();
    expect(server.get('Alice')?.name).toBe('Alice');
    await writeFile(`${file}.tmp`, '{"users": {');
    await rename(`${file}.tmp`, file);
    await afterStatInterval();
    expect(server.get('Alice')?.name).toBe('Alice');
    expect(server.get('Alice')?.name).toBe('Alice');
    expect(reports).toHaveLength(1);
    expect(reports[0]?.message).toContain(file);
    expect(reports[0]?.message).toContain('is not valid JSON');
  });
});

describe('FileUserDirectory with a malformed file', () => {
  it.each([
    ['{not json', 'is not valid JSON'],
    ['[]', 'must be an object like {"users": {NAME: {"hash": …}}}'],
    ['{"users": {"Bob": {"hash": "plain"}}}', 'users["Bob"].hash is not an scrypt hash'],
    ['{"users": {"Bob": 3}}', 'users["Bob"] must be an object'],
    ['{"users": {"A/B": {}}}', 'users["A/B"]: The user name must not contain "/".'],
  ])('throws at construction for %s, naming the file', async (text, problem) => {
    await new FileUserDirectory(file).add('Seed', 'x');
    await writeFile(file, text);
    let err: unknown;
    try {
      new FileUserDirectory(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsersFileError);
    expect((err as Error).message).toContain(`users_file: ${file}: `);
    expect((err as Error).message).toContain(problem);
  });

  it('refuses a disabled flag that is not a boolean', async () => {
    const hash = await hashPassword('a');
    await new FileUserDirectory(file).add('Seed', 'x');
    await writeFile(file, JSON.stringify({users: {Bob: {hash, disabled: 'yes'}}}));
    expect(() => new FileUserDirectory(file)).toThrow(
      'users["Bob"].disabled must be true or false'
    );
  });
});

describe('FileUserDirectory.search', () => {
  it('finds enabled users by case-insensitive prefix, sorted, within the limit', async () => {
    const users = new FileUserDirectory(file);
    for (const n of ['bob', 'Bea', 'Bert', 'Alice', 'Bo']) await users.add(n, 'x');
    await users.setDisabled('Bert', true);
    expect(users.search('b', 10).map((u) => u.name)).toEqual(['Bea', 'Bo', 'bob']);
    expect(users.search('B', 2).map((u) => u.name)).toEqual(['Bea', 'Bo']);
    expect(users.search('', 10).map((u) => u.name)).toEqual(['Alice', 'Bea', 'Bo', 'bob']);
  });
});
