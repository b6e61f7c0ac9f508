import {mkdir, writeFile} from 'node:fs/promises';
import {afterEach, describe, expect, it} from 'vitest';
import {readFilesParallel} from '../../../server/users/read-files-parallel.js';
import {makeTempDir, type TempDir} from '../../support/temp-dir.js';

let dir: TempDir | undefined;
afterEach(async () => {
  await dir?.cleanup();
  dir = undefined;
});

/** 1,200 small files f0…, one of 100 KB, a folder and a name that does not exist. */
async function folder() {
  dir = await makeTempDir('read-files-');
  const names = Array.from({length: 1200}, (_, i) => `f${i}`);
  await Promise.all(
    names.map((n, i) => writeFile(dir!.file(n), `file ${i}\n`.repeat(1 + (i % 7))))
  );
  await writeFile(dir.file('big'), 'x'.repeat(100_000));
  await mkdir(dir.file('sub'));
  return {
    path: dir.file(),
    names: [...names.slice(0, 600), 'big', 'sub', 'gone', ...names.slice(600)],
  };
}

const expected = (name: string) => {
  if (name === 'big') return 'x'.repeat(100_000);
  if (name === 'sub' || name === 'gone') return null;
  const i = Number(name.slice(1));
  return `file ${i}\n`.repeat(1 + (i % 7));
};

describe('readFilesParallel', () => {
  it('reads every file in order, a large one whole, and null for a folder or a missing name', async () => {
    const {path, names} = await folder();
    const out = await readFilesParallel(path, names);
    expect(out.map((b) => b?.toString() ?? null)).toEqual(names.map(expected));
  });

  it('reads the same on worker threads alone', async () => {
    const {path, names} = await folder();
    const out = await readFilesParallel(path, names, {threads: 3, main: false});
    expect(out.map((b) => b?.toString() ?? null)).toEqual(names.map(expected));
  });
});
