import {expect} from '@open-wc/testing';
import {
  FallbackKeyValueStore,
  MemoryKeyValueStore,
} from '../../../client/mirror/key-value-store.js';
import {clearMirror} from '../support/setup.js';

describe('FallbackKeyValueStore', () => {
  beforeEach(clearMirror);

  it('keeps values in IndexedDB, visible to another store instance', async () => {
    const a = new FallbackKeyValueStore();
    await a.update('k', () => ({n: 1}));
    expect(await new FallbackKeyValueStore().get('k')).to.deep.equal({n: 1});
    expect(a.kind).to.equal('indexeddb');
  });

  it('updates atomically: concurrent increments all land', async () => {
    const a = new FallbackKeyValueStore();
    const b = new FallbackKeyValueStore();
    await Promise.all(
      Array.from({length: 20}, (_, i) =>
        (i % 2 ? a : b).update<number>('count', (n) => (n ?? 0) + 1)
      )
    );
    expect(await a.get('count')).to.equal(20);
  });

  it('deletes the key when the updater returns undefined', async () => {
    const a = new FallbackKeyValueStore();
    await a.update('gone', () => 'x');
    await a.update('gone', () => undefined);
    expect(await a.get('gone')).to.equal(undefined);
  });

  it('falls back to memory when indexedDB.open throws', async () => {
    const open = indexedDB.open;
    indexedDB.open = () => {
      throw new DOMException('private mode', 'InvalidStateError');
    };
    try {
      const s = new FallbackKeyValueStore();
      expect(await s.update('k', () => 'v')).to.equal('v');
      expect(await s.get('k')).to.equal('v');
      expect(s.kind).to.equal('memory');
    } finally {
      indexedDB.open = open;
    }
  });

  it('falls back to memory when IndexedDB never answers', async () => {
    const open = indexedDB.open;
    // A request that never fires success or error (Safari's first-open hang).
    indexedDB.open = () => ({}) as IDBOpenDBRequest;
    try {
      const s = new FallbackKeyValueStore(50);
      expect(await s.get('k')).to.equal(undefined);
      expect(s.kind).to.equal('memory');
    } finally {
      indexedDB.open = open;
    }
  });
});

describe('MemoryKeyValueStore', () => {
  beforeEach(clearMirror);

  it('keeps values in memory only, never in IndexedDB', async () => {
    const s = new MemoryKeyValueStore();
    await s.update('only-here', () => ({n: 1}));
    expect(await s.get('only-here')).to.deep.equal({n: 1});
    expect(s.kind).to.equal('memory');
    expect(await new FallbackKeyValueStore().get('only-here')).to.equal(undefined);
  });
});
