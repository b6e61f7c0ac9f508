import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startSentinelSet, type SentinelSet} from '../../support/redis-sentinel.js';
import {cliFixture, runCli, type CliFixture} from '../../support/spawn-cli.js';

// The CLI on a redis+sentinel:// store must finish and exit: its connections (and ioredis's
// failover detector on the Sentinels) are closed when the command is done.

let set: SentinelSet;
let fx: CliFixture;

beforeAll(async () => {
  set = await startSentinelSet();
  fx = await cliFixture({store: set.url});
}, 60_000);

afterAll(async () => {
  await fx?.dir.cleanup();
  await set?.stop();
});

/** Runs the CLI, failing the test if it has not exited after `ms`. */
async function exits(args: string[], ms = 20_000) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${args.join(' ')} still running after ${ms} ms`)),
      ms
    );
  });
  try {
    return await Promise.race([runCli([...args, '--config', fx.config]), limit]);
  } finally {
    clearTimeout(timer);
  }
}

describe('the CLI on a Sentinel store', () => {
  it('lists sessions and exits', async () => {
    const r = await exits(['sessions', 'list']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('0 sessions');
  }, 30_000);

  it('purges and exits', async () => {
    const r = await exits(['sessions', 'purge']);
    expect(r.code).toBe(0);
  }, 30_000);
});
