import {STATUS_CODES, type IncomingMessage} from 'node:http';
import type {Duplex} from 'node:stream';
import {ERROR_CODES, type Config, type ErrorCode} from '../../shared/index.js';
import type {RequestInfo} from '../session/session-engine.js';

/** The path of an upgrade request, without its query. */
export function upgradePath(req: IncomingMessage): string {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** First value of a possibly repeated, possibly comma-separated header. */
function firstHeader(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v?.split(',')[0]?.trim();
}

/** Is the request https: TLS on the socket, or a trusted proxy says so. */
export function isSecure(req: IncomingMessage, config: Config): boolean {
  if ((req.socket as {encrypted?: boolean}).encrypted === true) return true;
  return config.trust_proxy && firstHeader(req.headers['x-forwarded-proto']) === 'https';
}

/**
 * May a browser page from the request's `Origin` open this socket (CONTRACT §5): an exact match
 * with the server's own origin (`http(s)://` + the Host header) or with an entry of
 * `allowed_origins`. No substring or wildcard matching, and a missing Origin is refused: every
 * browser sends one on a WebSocket handshake, and this check is what stops cross-site WebSocket
 * hijacking (CWE-1385), since the cookie is sent along whatever page opened the socket.
 */
export function originAllowed(req: IncomingMessage, config: Config): boolean {
  const origin = req.headers.origin?.toLowerCase();
  if (!origin || origin === 'null') return false;
  const host = req.headers.host?.toLowerCase();
  if (host && origin === `${isSecure(req, config) ? 'https' : 'http'}://${host}`) return true;
  return config.allowed_origins.some((o) => o.toLowerCase() === origin);
}

/** What the session engine needs to know about the upgrade request. */
export function requestInfo(req: IncomingMessage, config: Config): RequestInfo {
  const forwarded = config.trust_proxy ? firstHeader(req.headers['x-forwarded-for']) : undefined;
  return {
    cookie: req.headers.cookie,
    secure: isSecure(req, config),
    address: forwarded || req.socket.remoteAddress || '',
  };
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
