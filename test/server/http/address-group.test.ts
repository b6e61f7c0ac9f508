import {describe, expect, it} from 'vitest';
import {addressGroup} from '../../../server/http/address-group.js';

describe('addressGroup', () => {
  it('keeps an IPv4 address, also when the socket reports it IPv4-mapped', () => {
    expect(addressGroup('192.0.2.1')).toBe('192.0.2.1');
    expect(addressGroup('::ffff:192.0.2.1')).toBe('192.0.2.1');
    expect(addressGroup('::ffff:c000:0201')).toBe('192.0.2.1');
    expect(addressGroup('::FFFF:198.51.100.7')).toBe('198.51.100.7');
    // Two IPv4 clients of a dual-stack socket never share a key.
    expect(addressGroup('::ffff:192.0.2.2')).not.toBe(addressGroup('::ffff:192.0.2.1'));
  });

  it('counts an IPv6 address by its /64, however it is written', () => {
    const key = addressGroup('2001:db8:1:2::a');
    expect(key).toBe('2001:db8:1:2::/64');
    for (const same of [
      '2001:db8:1:2:ffff:ffff:ffff:ffff',
      '2001:0db8:0001:0002:0000:0000:0000:0001',
      '2001:DB8:1:2::1.2.3.4',
      'fe80::1%eth0'.replace('fe80::1', '2001:db8:1:2::1'),
    ]) {
      expect(addressGroup(same)).toBe(key);
    }
    expect(addressGroup('2001:db8:1:3::a')).not.toBe(key);
    expect(addressGroup('::1')).toBe('0:0:0:0::/64');
    expect(addressGroup('2001:db8::')).toBe('2001:db8:0:0::/64');
  });

  it('leaves anything that is not an IP address as it is', () => {
    expect(addressGroup('')).toBe('');
    expect(addressGroup('unknown')).toBe('unknown');
  });
});
