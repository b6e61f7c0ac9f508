import type {IncomingMessage} from 'node:http';
import {describe, expect, it} from 'vitest';
import {judgeOrigin} from '../../../server/http/origin.js';
import {clientAddress, isSecure, ownOrigin} from '../../../server/http/request-info.js';

function req(headers: Record<string, string>, remoteAddress = '127.0.0.1'): IncomingMessage {
  return {headers, socket: {remoteAddress}} as unknown as IncomingMessage;
}

describe('clientAddress', () => {
  it('uses the socket address unless the proxy is trusted', () => {
    const r = req({'x-forwarded-for': '6.6.6.6, 10.0.0.7'});
    expect(clientAddress(r, {trust_proxy: false})).toBe('127.0.0.1');
    // The last entry is the one the trusted proxy appended; earlier ones are the client's say-so.
    expect(clientAddress(r, {trust_proxy: true})).toBe('10.0.0.7');
    expect(clientAddress(req({}), {trust_proxy: true})).toBe('127.0.0.1');
  });

  it('takes only a valid IP from X-Forwarded-For, else the socket address', () => {
    const trusted = {trust_proxy: true};
    expect(clientAddress(req({'x-forwarded-for': '2001:db8::1'}), trusted)).toBe('2001:db8::1');
    for (const forged of [
      '203.0.113.9 session=FORGED su_return Admin -> Bob',
      'x'.repeat(12_000),
      '203.0.113.9:8080',
      '999.1.1.1',
      'evil"\n2026-01-01',
      '[2001:db8::1]',
    ]) {
      expect(clientAddress(req({'x-forwarded-for': `1.1.1.1, ${forged}`}), trusted)).toBe(
        '127.0.0.1'
      );
    }
  });
});

describe('isSecure and ownOrigin', () => {
  it('believes X-Forwarded-Proto only behind a trusted proxy', () => {
    const r = req({'x-forwarded-proto': 'https', host: 'Wiki.Example.org:8443'});
    expect(isSecure(r, {trust_proxy: false})).toBe(false);
    expect(isSecure(r, {trust_proxy: true})).toBe(true);
    expect(ownOrigin(r, {trust_proxy: true})).toBe('https://wiki.example.org:8443');
  });

  it('has no own origin for a missing or odd Host header', () => {
    expect(ownOrigin(req({}), {trust_proxy: false})).toBeNull();
    expect(ownOrigin(req({host: 'a b'}), {trust_proxy: false})).toBeNull();
    expect(ownOrigin(req({host: 'x/y'}), {trust_proxy: false})).toBeNull();
    expect(ownOrigin(req({host: '[::1]:80'}), {trust_proxy: false})).toBe('http://[::1]:80');
  });
});

describe('judgeOrigin', () => {
  const config = {trust_proxy: false, allowed_origins: ['https://wiki.example.org']};
  it('sorts requests into same, allowed, absent and refused', () => {
    expect(judgeOrigin(req({host: 'h:1', origin: 'http://h:1'}), config)).toBe('same');
    expect(judgeOrigin(req({host: 'h:1', origin: 'https://wiki.example.org'}), config)).toBe(
      'allowed'
    );
    expect(judgeOrigin(req({host: 'h:1'}), config)).toBe('absent');
    expect(judgeOrigin(req({host: 'h:1', 'sec-fetch-site': 'same-origin'}), config)).toBe('absent');
    expect(judgeOrigin(req({host: 'h:1', 'sec-fetch-site': 'same-site'}), config)).toBe('refused');
    expect(judgeOrigin(req({host: 'h:1', origin: 'null'}), config)).toBe('refused');
    expect(judgeOrigin(req({origin: 'http://h:1'}), config)).toBe('refused');
  });
});
