import type {IncomingMessage} from 'node:http';
import {afterEach, describe, expect, it} from 'vitest';
import {WebSocket} from 'ws';
import {resolveConfig} from '../../../shared/index.js';
import {originAllowed, upgradePath} from '../../../server/sync/upgrade-request.js';
import {rawUpgrade, startHarness, type Harness} from '../../support/sync-harness.js';

const fakeReq = (headers: Record<string, string>, encrypted = false, url = '/api/sync') =>
  ({headers, url, socket: {encrypted, remoteAddress: '10.0.0.9'}}) as unknown as IncomingMessage;

describe('originAllowed', () => {
  const config = resolveConfig({allowed_origins: ['https://wiki.example.org']});

  it('accepts the server’s own origin, case-insensitively', () => {
    expect(
      originAllowed(
        fakeReq({host: 'Sessions.Example:8080', origin: 'http://sessions.example:8080'}),
        config
      )
    ).toBe(true);
  });

  it('accepts an origin listed in allowed_origins', () => {
    expect(originAllowed(fakeReq({host: 'a:1', origin: 'https://wiki.example.org'}), config)).toBe(
      true
    );
  });

  it('refuses a missing Origin, "null" and look-alikes', () => {
    const host = {host: 'sessions.example.org'};
    expect(originAllowed(fakeReq(host), config)).toBe(false);
    expect(originAllowed(fakeReq({...host, origin: 'null'}), config)).toBe(false);
    expect(
      originAllowed(fakeReq({...host, origin: 'https://wiki.example.org.evil.example'}), config)
    ).toBe(false);
    expect(originAllowed(fakeReq({...host, origin: 'http://wiki.example.org'}), config)).toBe(
      false
    ); // scheme differs
    expect(originAllowed(fakeReq({...host, origin: 'https://evil.example'}), config)).toBe(false);
  });

  it('uses https for its own origin on TLS, and behind a trusted proxy only', () => {
    const headers = {host: 'w.example', origin: 'https://w.example', 'x-forwarded-proto': 'https'};
    expect(originAllowed(fakeReq(headers, true), resolveConfig({}))).toBe(true);
    expect(originAllowed(fakeReq(headers), resolveConfig({}))).toBe(false);
    expect(originAllowed(fakeReq(headers), resolveConfig({trust_proxy: true}))).toBe(true);
  });
});

describe('upgradePath', () => {
  it('ignores the query string', () => {
    expect(upgradePath(fakeReq({}, false, '/api/sync?v=1'))).toBe('/api/sync');
  });
});

describe('GET /api/sync upgrade', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it('refuses a foreign Origin with 403 even with a valid session cookie', async () => {
    h = await startHarness();
    const cookie = await h.login('Bob');
    const r = await rawUpgrade(h.url, '/api/sync', {origin: 'https://evil.example', cookie});
    expect(r.status).toBe(403);
    expect(JSON.parse(r.body)).toMatchObject({error: {code: 'bad_origin'}});
    expect(h.service.sync.socketCount).toBe(0);
  });

  it('refuses an upgrade without Origin with 403', async () => {
    h = await startHarness();
    const r = await rawUpgrade(h.url, '/api/sync', {cookie: await h.login('Bob')});
    expect(r.status).toBe(403);
  });

  it('upgrades the server’s own origin with 101', async () => {
    h = await startHarness();
    const r = await rawUpgrade(h.url, '/api/sync', {origin: h.origin});
    expect(r.status).toBe(101);
  });

  it('upgrades an origin from allowed_origins', async () => {
    h = await startHarness({allowed_origins: ['https://wiki.example.org']});
    const c = await h.connect(await h.login('Bob'), {origin: 'https://wiki.example.org'});
    expect((await c.view()).user).toEqual({name: 'Bob'});
  });

  it('answers 404 for another path and opens no socket', async () => {
    h = await startHarness();
    const r = await rawUpgrade(h.url, '/api/other', {origin: h.origin});
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body)).toMatchObject({error: {code: 'not_found'}});
  });

  it('does not negotiate permessage-deflate even when the client offers it', async () => {
    h = await startHarness();
    const c = await h.connect(null, {perMessageDeflate: true});
    expect(c.ws.extensions).toBe('');
  });

  it('does not upgrade once the service is closing', async () => {
    h = await startHarness();
    const url = h.wsUrl;
    const origin = h.origin;
    await h.service.sync.close();
    const ws = new WebSocket(url, {origin});
    const outcome = await new Promise<string>((resolve) => {
      ws.once('open', () => resolve('open'));
      ws.once('error', () => resolve('error'));
    });
    expect(outcome).toBe('error');
  });
});
