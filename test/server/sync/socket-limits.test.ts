import {spawn, type ChildProcess} from 'node:child_process';
import {afterEach, describe, expect, it} from 'vitest';
import WebSocket from 'ws';
import type {ErrorBody} from '../../../shared/index.js';
import {HttpClient} from '../../support/http-client.js';
import {BIN, cliFixture, runCli, type CliFixture} from '../../support/spawn-cli.js';

// issue 10b, finding 4: the real server under a lowered descriptor limit (`ulimit -n 256` in the
// child shell), flooded with anonymous WebSockets opened at once. The socket caps refuse the
// excess at the upgrade with a status and a code, and HTTP (health, logins) keeps answering.

let child: ChildProcess | null = null;
let fx: CliFixture | null = null;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  child?.kill('SIGKILL');
  child = null;
  await fx?.dir.cleanup();
  fx = null;
});

async function serveUnderUlimit(
  nofile: number,
  extra: Record<string, unknown> = {}
): Promise<{url: string; stderr: () => string}> {
  fx = await cliFixture({log_level: 'warn', ...extra});
  await runCli(['users', 'add', 'Alice', '--config', fx.config], {input: 'alice-pw\n'});
  const cmd = `ulimit -n ${nofile} && exec "$0" "$1" serve --config "$2"`;
  const c = spawn('/bin/bash', ['-c', cmd, process.execPath, BIN, fx.config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = c;
  let err = '';
  c.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    c.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)\n/.exec(out);
      if (m) resolve(m[1]!);
    });
    c.on('exit', (code) => reject(new Error(`serve exited ${code}: ${err}`)));
  });
  return {url, stderr: () => err};
}

type Outcome = {open: true} | {open: false; status: number; code: string} | {reset: string};

function openSocket(url: string, localAddress?: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/api/sync`, {
      origin: url,
      ...(localAddress ? {localAddress} : {}),
    });
    sockets.push(ws);
    ws.once('open', () => resolve({open: true}));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        const code = (JSON.parse(body) as ErrorBody).error.code;
        resolve({open: false, status: res.statusCode ?? 0, code});
      });
    });
    ws.once('error', (e) => resolve({reset: e.message}));
  });
}

describe('WebSocket caps under a low descriptor limit', {timeout: 120_000}, () => {
  it('refuses sockets past the cap derived from ulimit -n with 503 sockets_full; HTTP keeps answering', async () => {
    const {url, stderr} = await serveUnderUlimit(256);
    const outcomes = await Promise.all(Array.from({length: 180}, () => openSocket(url)));
    const opened = outcomes.filter((o) => 'open' in o && o.open).length;
    const refused = outcomes.filter((o) => !('open' in o && o.open));
    // ulimit -n 256 → (256 - 128) / 2 = 64 sockets; every other one is refused with a status.
    expect(opened).toBe(64);
    expect(refused).toEqual(Array(180 - 64).fill({open: false, status: 503, code: 'sockets_full'}));
    const c = new HttpClient(url);
    const answers = async () => {
      const [health, login] = await Promise.all([
        c.get('/healthz'),
        c.post('/api/login', {name: 'Alice', password: 'alice-pw'}),
      ]);
      return [health.status, login.status];
    };
    // With every socket slot taken, health and a login still answer.
    expect(await answers()).toEqual([200, 200]);
    expect(stderr()).toMatch(/"event":"ws_refused","code":"sockets_full"/);
    // Past the descriptor limit itself (400 connections at once on 256 descriptors) the kernel
    // refuses some connections before any HTTP is read; the server keeps serving after it.
    const flood = await Promise.all(Array.from({length: 400}, () => openSocket(url)));
    expect(flood.filter((o) => 'open' in o && o.open)).toHaveLength(0);
    expect(await answers()).toEqual([200, 200]);
    // Slots come back when sockets close.
    for (const ws of sockets.splice(0)) ws.close();
    await new Promise((r) => setTimeout(r, 500));
    expect(await openSocket(url)).toEqual({open: true});
  });

  it('refuses one address past max_sockets_per_address with 429; another address still connects', async () => {
    const {url, stderr} = await serveUnderUlimit(256, {
      max_sockets_per_address: 10,
      host: '0.0.0.0',
    });
    const local = url.replace('0.0.0.0', '127.0.0.1');
    const outcomes = await Promise.all(
      Array.from({length: 30}, () => openSocket(local, '127.0.0.1'))
    );
    expect(outcomes.filter((o) => 'open' in o && o.open)).toHaveLength(10);
    expect(outcomes.filter((o) => 'status' in o)).toEqual(
      Array(20).fill({open: false, status: 429, code: 'address_sockets_full'})
    );
    expect(await openSocket(local, '127.0.0.2')).toEqual({open: true});
    // One warning for the 20 refusals (at most one per 10 s), naming the address and the cap.
    const lines = stderr().match(/.*"event":"ws_refused".*/g) ?? [];
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      code: 'address_sockets_full',
      address: '127.0.0.1',
      refused: 1,
      cap: 10,
    });
  });
});
