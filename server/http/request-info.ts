import type {IncomingMessage} from 'node:http';
import {isIP} from 'node:net';
import type {Config} from '../../shared/index.js';
import type {RequestInfo} from '../session/session-engine.js';

function headerValues(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value.join(',') : value)
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** Is the request https: TLS on the socket, or (with `trust_proxy`) `X-Forwarded-Proto: https`. */
export function isSecure(req: IncomingMessage, config: Pick<Config, 'trust_proxy'>): boolean {
  if ((req.socket as {encrypted?: boolean}).encrypted === true) return true;
  return config.trust_proxy && headerValues(req.headers['x-forwarded-proto'])[0] === 'https';
}

/**
 * The client address. With `trust_proxy`, the **last** `X-Forwarded-For` entry: the one our proxy
 * appended. Earlier entries come from the client and could be anything, and login throttling keys
 * on this address. (One trusted proxy hop; put further hops' logic in that proxy.) Only a
 * syntactically valid IPv4 or IPv6 address is taken; anything else (text, a 12 KB string, a port)
 * falls back to the socket's address, so audit lines and throttle keys hold addresses only.
 */
export function clientAddress(req: IncomingMessage, config: Pick<Config, 'trust_proxy'>): string {
  if (config.trust_proxy) {
    const last = headerValues(req.headers['x-forwarded-for']).pop();
    if (last !== undefined && last.length <= 64 && isIP(last) !== 0) return last;
  }
  return req.socket.remoteAddress ?? '';
}

// A Host header is a host name or IP literal with an optional port; anything else is not used to
// build our own origin.
const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/;

/** The server's own origin as this request sees it (`scheme://Host`), or null without a usable Host. */
export function ownOrigin(
  req: IncomingMessage,
  config: Pick<Config, 'trust_proxy'>
): string | null {
  const host = req.headers.host;
  if (!host || !HOST.test(host)) return null;
  return `${isSecure(req, config) ? 'https' : 'http'}://${host.toLowerCase()}`;
}

/**
 * What the session engine needs to know about an HTTP request. The address is worked out when
 * first asked for: only logins, audit entries and logs need it, not the read of a session.
 */
export function requestInfo(
  req: IncomingMessage,
  config: Pick<Config, 'trust_proxy'>
): RequestInfo {
  return new HttpRequestInfo(req, config);
}

class HttpRequestInfo implements RequestInfo {
  readonly cookie: string | undefined;
  readonly secure: boolean;
  readonly #req: IncomingMessage;
  readonly #config: Pick<Config, 'trust_proxy'>;
  #address: string | undefined;

  constructor(req: IncomingMessage, config: Pick<Config, 'trust_proxy'>) {
    this.cookie = req.headers.cookie;
    this.secure = isSecure(req, config);
    this.#req = req;
    this.#config = config;
  }

  get address(): string {
    return (this.#address ??= clientAddress(this.#req, this.#config));
  }

  header(name: string): string | undefined {
    const v = this.#req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  }
}
