import {rename, rm, writeFile} from 'node:fs/promises';
import {describe, expect, it} from 'vitest';
import type {ErrorBody, SessionView} from '../../../shared/index.js';
import {HttpClient} from '../../support/http-client.js';
import {cliTest, runCli, type CliFixture} from '../../support/spawn-cli.js';

// issue 10b: sessions.db deleted or replaced under a running server. The server must not go on
// with the old inode (where the CLI's revocation never lands): it fails closed, logs, and
// /healthz answers 503.

const test = cliTest();

async function aliceLoggedIn(fx: CliFixture) {
  await runCli(['users', 'add', 'Alice', '--config', fx.config], {input: 'alice-pw\n'});
  const served = await test.serve(['--config', fx.config], fx.dir.path);
  const alice = new HttpClient(served.url);
  const login = await alice.post('/api/login', {name: 'Alice', password: 'alice-pw'});
  expect(login.status).toBe(200);
  return {served, alice};
}

async function eventually<T>(probe: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  const end = Date.now() + 10_000;
  for (;;) {
    const v = await probe();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('sessions.db pulled away from a running server', {timeout: 60_000}, () => {
  // A deleted file may be seen as replaced: the CLI's revocation creates a new file at the path,
  // and the server's check may run before or after it. Either way it fails closed.
  it.each([
    ['deleted', /deleted|replaced/],
    ['replaced', /replaced/],
  ])('fails closed when the file is %s, so a CLI revocation is never lost', async (how, word) => {
    const fx = await test.fixture({log_level: 'info'});
    const {served, alice} = await aliceLoggedIn(fx);
    expect((await alice.get('/healthz')).status).toBe(200);
    // Replaced: a backup (here an empty database) moved over it, as an operator restores one.
    for (const f of ['-wal', '-shm', ...(how === 'deleted' ? [''] : [])]) {
      await rm(fx.dbFile + f, {force: true});
    }
    if (how === 'replaced') {
      await writeFile(`${fx.dbFile}.new`, '');
      await rename(`${fx.dbFile}.new`, fx.dbFile);
    }
    // The CLI works on whatever file the path names now.
    const revoke = await runCli(['sessions', 'revoke', '--user', 'Alice', '--config', fx.config]);
    expect(revoke.code, revoke.stderr).toBe(0);
    const health = await eventually(
      () => alice.get<ErrorBody>('/healthz'),
      (r) => r.status === 503
    );
    expect(health.status).toBe(503);
    expect(health.json.error).toMatchObject({code: 'store_unavailable'});
    expect(health.json.error.message).toMatch(word);
    // Alice's old cookie does not keep her logged in from the old file.
    const view = await alice.get<SessionView | ErrorBody>('/api/session');
    expect(view.status).toBe(503);
    expect(served.stderr()).toMatch(/"event":"store_error".*was (deleted|replaced) while in use/);
  });
});
