import {isIPv4, isIPv6} from 'node:net';

/**
 * The key that per-address limits (login throttle, new anonymous sessions, WebSockets) count a
 * client address under. An IPv4 address is itself, also when a dual-stack socket reports it
 * IPv4-mapped (`::ffff:192.0.2.1`); an IPv6 address counts by its /64, the usual allocation of one
 * subscriber or one office LAN, so a client cannot pass a per-address limit by using the 2^64
 * addresses it has (as behind IPv4 NAT, the people of one network share the limit). Anything
 * else (no address, not an IP) is its own key. Logs keep the full address.
 */
export function addressGroup(address: string): string {
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return address;
  const g = ipv6Groups(address);
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) {
    return `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
  }
  return `${g
    .slice(0, 4)
    .map((x) => x.toString(16))
    .join(':')}::/64`;
}

// The eight 16-bit groups of a valid IPv6 address (isIPv6 said so): zone dropped, "::" expanded,
// a trailing dotted IPv4 part turned into two groups.
function ipv6Groups(address: string): number[] {
  let s = address.split('%')[0]!;
  const dotted = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(2).map(Number) as [number, number, number, number];
    s = `${dotted[1]}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const gap = s.indexOf('::');
  const part = (p: string) => (p === '' ? [] : p.split(':'));
  const head = part(gap < 0 ? s : s.slice(0, gap));
  const tail = gap < 0 ? [] : part(s.slice(gap + 2));
  const zeros = Array<string>(8 - head.length - tail.length).fill('0');
  return [...head, ...zeros, ...tail].map((x) => parseInt(x, 16));
}
