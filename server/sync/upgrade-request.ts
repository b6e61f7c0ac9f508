import {STATUS_CODES, type IncomingMessage} from 'node:http';
import type {Duplex} from 'node:stream';
import {ERROR_CODES, type Config, type ErrorCode} from '../../shared/index.js';
import {ownOrigin} from '../http/index.js';

/** The path of an upgrade request, without its query. */
export function upgradePath(req: IncomingMessage): string {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/**
 * May a browser page from the request's `Origin` open this socket (CONTRACT §5): an exact,
 * case-insensitive match with the server's own origin (`http(s)://` + the Host header, as the HTTP
 * API computes it) or with an entry of `allowed_origins`. No substring or wildcard matching, and
 * unlike the HTTP API a missing Origin is refused too: every browser sends one on a WebSocket
 * handshake, and this check is what stops cross-site WebSocket hijacking (CWE-1385), since the
 * cookie goes along with whatever page opened the socket.
 */
export function originAllowed(
  req: IncomingMessage,
  config: Pick<Config, 'trust_proxy' | 'allowed_origins'>
): boolean {
  const origin = req.headers.origin?.toLowerCase();
  if (!origin || origin === 'null') return false;
  if (origin === ownOrigin(req, config)) return true;
  return config.allowed_origins.some((o) => o.toLowerCase() === origin);
}

/**
 * Refuses an upgrade with a plain HTTP response (the JSON error body of the HTTP API) and closes
 * the connection; no WebSocket is ever created.
 */
export function refuseUpgrade(socket: Duplex, code: ErrorCode, message?: string): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status = ERROR_CODES[code].status;
  const body = JSON.stringify({error: {code, message: message ?? ERROR_CODES[code].message}});
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      '\r\n' +
      body
  );
}
