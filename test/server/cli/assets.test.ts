import {readFileSync, readdirSync} from 'node:fs';
import {writeFile} from 'node:fs/promises';
import {describe, expect, it} from 'vitest';
import {cliTest, runCli} from '../../support/spawn-cli.js';

// `moin-session assets --out DIR`, the real bin against the real build (dist/ from the global setup).

const t = cliTest();
const built = (name: string) => readFileSync(`dist/client/${name}`);
const module = /'\.\/([^']+)'/.exec(built('moin-session.js').toString())![1]!;

describe('moin-session assets', () => {
  it('writes the hashed module, its variants and the stable entry into a new folder', async () => {
    const dir = await t.emptyDir();
    const out = dir.file('htdocs', 'moin-session');
    const r = await runCli(['assets', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toEqual(
      [module, `${module}.br`, `${module}.gz`, `${module}.map`, 'moin-session.js'].sort()
    );
    for (const f of files) expect(readFileSync(`${out}/${f}`), f).toEqual(built(f));
    expect(readFileSync(`${out}/moin-session.js`, 'utf8')).toBe(`export * from './${module}';\n`);
    // It says what it wrote, the entry last.
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, -1)).toHaveLength(files.length);
    expect(lines.at(-2)).toBe(`${out}/moin-session.js`);
    expect(lines.at(-1)).toContain('Cache-Control: public, max-age=31536000, immutable');
  });

  it("keeps an earlier release's module for pages that still hold the older entry", async () => {
    const dir = await t.emptyDir();
    const old = 'moin-session.0123456789ab.js';
    await writeFile(dir.file(old), 'export const old = 1;\n');
    await writeFile(dir.file('moin-session.js'), `export * from './${old}';\n`);
    const r = await runCli(['assets', '--out', dir.path]);
    expect(r.code).toBe(0);
    expect(readFileSync(dir.file(old), 'utf8')).toBe('export const old = 1;\n');
    expect(readFileSync(dir.file('moin-session.js'), 'utf8')).toBe(
      `export * from './${module}';\n`
    );
    expect(readdirSync(dir.path).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('exits 2 with one line naming the problem for bad arguments', async () => {
    const dir = await t.emptyDir();
    await writeFile(dir.file('a-file'), 'x');
    const cases: [string[], string][] = [
      [['assets'], 'moin-session: assets: --out DIR is required\n'],
      [['assets', '--out'], 'moin-session: assets: --out needs a value\n'],
      [['assets', '--out', dir.path, '--gzip'], 'moin-session: assets: unknown option --gzip\n'],
      [['assets', dir.path], `moin-session: assets: unexpected argument "${dir.path}"\n`],
      [
        ['assets', '--out', dir.file('a-file')],
        `moin-session: assets: --out: ${dir.file('a-file')} is not a folder\n`,
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args)));
    results.forEach((r, i) => {
      expect(r.code, cases[i]![0].join(' ')).toBe(2);
      expect(r.stderr).toBe(cases[i]![1]);
      expect(r.stdout).toBe('');
    });
    expect(readdirSync(dir.path)).toEqual(['a-file']);
  });

  it('explains itself with --help and is listed in the usage', async () => {
    const help = await runCli(['assets', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('moin-session assets --out DIR');
    expect(help.stdout).toContain('immutable');
    const usage = await runCli(['--help']);
    expect(usage.stdout).toContain('moin-session assets --out DIR');
  });
});
