import {spawnSync} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {PassThrough} from 'node:stream';
import {fileURLToPath} from 'node:url';
import fc from 'fast-check';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {CONFIG_KEYS, ConfigError, resolveConfig} from '../../../shared/index.js';
import {runCli} from '../../../server/cli/main.js';
import type {CliIo} from '../../../server/cli/io.js';
import {makeTempDir, type TempDir} from '../../support/temp-dir.js';
import {hostileValue, validConfig} from './config-arbitraries.js';
import {fuzzParams} from '../../support/fuzz-params.js';

const BIN = fileURLToPath(new URL('../../../bin/moin-session.js', import.meta.url));

// The CLI in this process with captured output; a serve that gets past its config would wait for
// a signal, so the fuzz only feeds configs that the validator refuses (checked below).
async function cli(argv: string[]): Promise<{code: number; stdout: string; stderr: string}> {
  let stdout = '';
  let stderr = '';
  const out = new PassThrough().on('data', (d: Buffer) => (stdout += d.toString()));
  const err = new PassThrough().on('data', (d: Buffer) => (stderr += d.toString()));
  const io: CliIo = {
    stdout: out,
    stderr: err,
    stdin: new PassThrough(),
    waitForSignal: () => Promise.resolve('SIGTERM'),
  };
  const code = await runCli(argv, io);
  return {code, stdout, stderr};
}

// The key a bad config is refused for (null: the config is fine).
function refusedKey(input: unknown): string | null {
  try {
    resolveConfig(input);
    return null;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.key;
  }
}

// A config with one hostile key, and the key the validator names for it.
const badConfig = fc
  .tuple(validConfig(), fc.constantFrom(...CONFIG_KEYS), hostileValue())
  // Through JSON and back, as a config file holds it (NaN becomes null, undefined vanishes).
  .map(([base, k, v]) => JSON.stringify({...base, [k]: v}))
  .map((text) => ({text, key: refusedKey(JSON.parse(text))}))
  .filter((x): x is {text: string; key: string} => x.key !== null);

describe('the CLI under config fuzzing', () => {
  let dir: TempDir;
  let n = 0;
  const file = (text: string) => {
    const f = dir.file(`config-${n++}.json`);
    writeFileSync(f, text);
    return f;
  };
  beforeAll(async () => {
    dir = await makeTempDir('moin-fuzz-cli-');
  });
  afterAll(async () => {
    await dir.cleanup();
  });

  it('exits 2 with one line naming the key for every refused config, in every command', async () => {
    const command = fc.constantFrom(
      ['serve'],
      ['users', 'list'],
      ['sessions', 'list'],
      ['sessions', 'purge'],
      ['audit']
    );
    await fc.assert(
      fc.asyncProperty(badConfig, command, async ({text, key}, cmd) => {
        const r = await cli([...cmd, '--config', file(text)]);
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr.split('\n')).toHaveLength(2);
        expect(r.stderr).toContain(`config: ${key}: `);
        expect(r.stdout).toBe('');
      }),
      fuzzParams(1000)
    );
  });

  it('exits 2 with one line for config files that are not JSON objects', async () => {
    const text = fc.oneof(
      fc.string({maxLength: 60}),
      fc.json({maxDepth: 2}).filter((j) => {
        const v = JSON.parse(j) as unknown;
        return typeof v !== 'object' || v === null || Array.isArray(v);
      }),
      fc.json({maxDepth: 2}).map((j) => j.slice(0, -1) || '{')
    );
    await fc.assert(
      fc.asyncProperty(text, async (t) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(t);
        } catch {
          parsed = undefined;
        }
        // A JSON object that slipped through is only fine if the validator refuses it.
        if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
          if (refusedKey(parsed) === null) return;
        }
        const r = await cli(['serve', '--config', file(t)]);
        expect(r.code, r.stderr).toBe(2);
        expect(r.stderr).toMatch(/^moin-session: config: .+\n$/);
      }),
      fuzzParams(500)
    );
  });

  it('exits 2 naming the flag for bad --port and --log-level values', async () => {
    // trail_size is no flag, so the file stays bad whatever the flags say.
    const bad = file('{"trail_size": -1}');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('--port', '--log-level'),
        fc.oneof(fc.string({maxLength: 12}), fc.integer().map(String)),
        async (flag, value) => {
          const r = await cli(['serve', '--config', bad, `${flag}=${value}`]);
          expect(r.code, r.stderr).toBe(2);
          expect(r.stderr.split('\n')).toHaveLength(2);
          // Either the flag's value is refused, or it is fine and the file is refused.
          expect(r.stderr).toMatch(new RegExp(`${flag}: |config: trail_size: `));
        }
      ),
      fuzzParams(500)
    );
  });

  it('exits 2 from the real binary with the key named on stderr', async () => {
    const samples = fc.sample(badConfig, {seed: 7, numRuns: 3});
    for (const {text, key} of samples) {
      const r = spawnSync(process.execPath, [BIN, 'serve', '--config', file(text)], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toContain(`config: ${key}: `);
      expect(r.stdout).not.toContain('listening');
    }
  });
});
