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

  it('counts the addresses of one IPv6 /64 together, IPv4-mapped ones as IPv4', () => {
    const b = new SocketBudget(2, 100);
    expect([
      b.take('2001:db8:1:2::a'),
      b.take('2001:db8:1:2::b'),
      b.take('2001:db8:1:2::c'),
    ]).toEqual([null, null, 'address_sockets_full']);
    expect(b.take('2001:db8:1:3::a')).toBeNull();
    b.give('2001:db8:1:2::ffff');
    expect(b.take('2001:db8:1:2::d')).toBeNull();
    expect([b.take('::ffff:192.0.2.1'), b.take('192.0.2.1'), b.take('192.0.2.2')]).toEqual([
      null,
      null,
      null,
    ]);
    expect(b.take('::ffff:192.0.2.1')).toBe('address_sockets_full');
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
