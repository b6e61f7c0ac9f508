import {describe, expect, it} from 'vitest';
import {defaultSocketCap} from '../../../server/sync/descriptor-limit.js';
import {SocketBudget} from '../../../server/sync/socket-budget.js';

describe('SocketBudget', () => {
  it('refuses past the per-address cap and the total, and frees slots given back', () => {
    const b = new SocketBudget(2, 3);
    expect([b.take('a'), b.take('a'), b.take('a')]).toEqual([null, null, 'address_sockets_full']);
    expect([b.take('b'), b.take('c')]).toEqual([null, 'sockets_full']);
    b.give('a');
    expect(b.take('c')).toBeNull();
    expect(b.held).toBe(3);
  });

  it('ignores a slot given back twice', () => {
    const b = new SocketBudget(1, 1);
    b.take('a');
    b.give('a');
    b.give('a');
    expect(b.held).toBe(0);
    expect(b.take('b')).toBeNull();
  });
});

describe('defaultSocketCap', () => {
  it('leaves headroom below the descriptor limit for HTTP and the store', () => {
    expect(defaultSocketCap(1024)).toBe(448);
    expect(defaultSocketCap(256)).toBe(64);
    expect(defaultSocketCap(100)).toBe(16);
    expect(defaultSocketCap(null)).toBe(100_000);
  });
});
