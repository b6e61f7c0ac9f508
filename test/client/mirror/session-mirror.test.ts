import {expect} from '@open-wc/testing';
import {MemoryKeyValueStore} from '../../../client/mirror/key-value-store.js';
import {CLIENT_KEY, sessionKey} from '../../../client/mirror/keys.js';
import {SessionMirror} from '../../../client/mirror/session-mirror.js';
import {userView} from '../support/fake-server.js';

const ENDPOINT = 'http://localhost/api';

describe('SessionMirror', () => {
  it('keeps one record per endpoint under a versioned key', async () => {
    const store = new MemoryKeyValueStore();
    const m = new SessionMirror(ENDPOINT, store);
    await m.update('s:Alice', (r) => ({...r, view: userView('Alice', ['A'])}));
    expect(sessionKey(ENDPOINT)).to.equal('v1|http://localhost/api|session');
    const other = new SessionMirror('http://localhost/other', store);
    expect((await other.load()).view).to.equal(null);
    expect((await m.load()).view!.trail).to.deep.equal(['A']);
  });

  it('replaces the record of another identity instead of changing it (the wipe)', async () => {
    const m = new SessionMirror(ENDPOINT, new MemoryKeyValueStore());
    await m.update('s:Alice', (r) => ({
      ...r,
      view: userView('Alice', ['Private']),
      pending: [{id: 'c:1', page: 'P'}],
      local: ['L'],
    }));
    const after = await m.update('s:Bob', (r) => r);
    expect(after).to.deep.equal({identity: 's:Bob', view: null, pending: [], local: []});
    expect(JSON.stringify(await m.load())).to.not.contain('Private');
  });

  it('adopts visits recorded before any identity was known', async () => {
    const m = new SessionMirror(ENDPOINT, new MemoryKeyValueStore());
    await m.update(null, (r) => ({...r, pending: [{id: 'c:1', page: 'First'}]}));
    const r = await m.update('s:Alice', (x) => x);
    expect(r.identity).to.equal('s:Alice');
    expect(r.pending).to.deep.equal([{id: 'c:1', page: 'First'}]);
  });

  it('deletes the key when nothing is left', async () => {
    const store = new MemoryKeyValueStore();
    const m = new SessionMirror(ENDPOINT, store);
    await m.update('s:A', (r) => ({...r, local: ['x']}));
    await m.update('s:A', (r) => ({...r, local: []}));
    expect(await store.get(sessionKey(ENDPOINT))).to.equal(undefined);
  });

  it('wipes a session whose expiry has passed instead of loading it', async () => {
    const store = new MemoryKeyValueStore();
    const m = new SessionMirror(ENDPOINT, store);
    const past = {
      ...userView('Alice', ['Old']),
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    };
    await m.update('s:Alice', (r) => ({...r, view: past}));
    expect((await m.load()).view).to.equal(null);
    expect(await store.get(sessionKey(ENDPOINT))).to.equal(undefined);
  });

  it('hands out op ids unique in this browser, with a new prefix after a wipe', async () => {
    const store = new MemoryKeyValueStore();
    const a = new SessionMirror(ENDPOINT, store);
    const b = new SessionMirror('http://localhost/other', store);
    const ids = await Promise.all([a.opId(), b.opId(), a.opId()]);
    expect(new Set(ids).size).to.equal(3);
    for (const id of ids) expect(id).to.match(/^[A-Za-z0-9_.:-]{1,64}$/);
    const prefix = ids[0]!.split(':')[0];
    await a.update('s:A', (r) => ({...r, local: ['x']}));
    await a.update('s:B', (r) => r);
    expect((await a.opId()).split(':')[0]).to.not.equal(prefix);
    expect(await store.get(CLIENT_KEY)).to.have.property('seq', 1);
  });
});
