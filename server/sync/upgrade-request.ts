import type {IncomingMessage} from 'node:http';
import type {Duplex} from 'node:stream';
import {ERROR_CODES, type Config, type ErrorCode} from '../../shared/index.js';
import {judgeOrigin} from '../http/origin.js';
import {writeRawError} from '../http/respond.js';

/** The path of an upgrade request, without its query. */
export function upgradePath(req: IncomingMessage): string {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/**
 * May a browser page from the request's `Origin` open this socket: the HTTP API's origin rule
 * ({@link judgeOrigin}: an exact, case-insensitive match with the server's own origin or with an
 * entry of `allowed_origins`), except that a missing Origin is refused too. Every browser sends one
 * on a WebSocket handshake, and this check is what stops cross-site WebSocket hijacking (CWE-1385),
 * since the cookie goes along with whatever page opened the socket.
 */
export function originAllowed(
  req: IncomingMessage,
  config: Pick<Config, 'trust_proxy' | 'allowed_origins'>
): boolean {
  if (req.headers.origin === undefined) return false;
  const verdict = judgeOrigin(req, config);
  return verdict === 'same' || verdict === 'allowed';
}

/**
 * Refuses an upgrade with a plain HTTP response (the JSON error body of the HTTP API) and closes
 * the connection; no WebSocket is ever created.
 */
export function refuseUpgrade(socket: Duplex, code: ErrorCode, message?: string): void {
  writeRawError(socket, ERROR_CODES[code].status, code, message ?? ERROR_CODES[code].message);
}
