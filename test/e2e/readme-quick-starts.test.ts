import {execFileSync, spawn} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import {describe, expect, it} from 'vitest';
import type {SessionView} from '../../shared/index.js';
import {BIN, cliTest} from '../support/spawn-cli.js';

// The README's quick starts, extracted from README.md and run as written against a real demo
// server (its port and the CLI's path are the only substitutions), so the README cannot rot.

const README = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');

/** The ```sh block after `<!-- quick-start: NAME -->`. */
function quickStart(name: string): string {
  const m = new RegExp(`<!-- quick-start: ${name} -->\\s*\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(
    README
  );
  if (!m) throw new Error(`README.md has no quick start "${name}"`);
  return m[1]!;
}

/** Runs a script with bash (-euo pipefail) in `cwd`; resolves with stdout, rejects on failure. */
function bash(script: string, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}\n${out}`))
    );
  });
}

function need(tool: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], {stdio: 'ignore'});
  } catch {
    throw new Error(
      `${tool} is not installed: the README's quick starts need it (apt-get install ${tool})`
    );
  }
}

const test = cliTest();

describe('the README quick starts', {timeout: 90_000}, () => {
  it('run as written against the demo: curl through the HTTP API, then the CLI on its data', async () => {
    need('bash');
    need('curl');
    const dir = await test.emptyDir();
    const served = await test.serve(['--demo', '--port', '0', '--log-level', 'warn'], dir.path);

    const curl = quickStart('curl');
    expect(curl).toContain('S=http://127.0.0.1:8080\n');
    const out = await bash(
      curl.replace('S=http://127.0.0.1:8080\n', `S=${served.url}\n`),
      dir.path
    );
    const views = out
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as SessionView);
    expect(views.map((v) => [v.user?.name ?? null, v.realUser?.name ?? null, v.stored])).toEqual([
      [null, null, false],
      [null, null, true],
      ['Admin', null, true],
      ['Admin', null, true],
      ['Bob', 'Admin', true],
      ['Admin', null, true],
      [null, null, false],
    ]);
    expect(views[3]!.trail.at(-1)).toBe('FrontPage');

    const cli = quickStart('cli');
    expect(cli).toContain('npx moin-session ');
    const printed = await bash(cli.replaceAll('npx moin-session ', `node ${BIN} `), dir.path);
    expect(printed).toContain('Admin  enabled   superuser\nAlice  enabled\nBob    enabled\n');
    expect(printed).toContain('added Carol\n');
    expect(printed).toMatch(/\nREF +USER +ACTING-AS +TRAIL +CREATED +EXPIRES\n/);
    expect(printed).toContain('ended 0 sessions of Alice\n');
    expect(printed).toMatch(
      / su_start Admin → Bob 127\.0\.0\.1 session=\S{12} method=users_file\n/
    );
    expect(printed).toMatch(
      / su_return Admin → Bob 127\.0\.0\.1 session=\S{12} method=users_file\n/
    );
    // Removing an account ends its sessions at once (none here).
    expect(printed).toMatch(/removed Carol\nended 0 sessions of Carol\n$/);
  });
});
