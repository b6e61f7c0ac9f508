import {STATUS_CODES, type ServerResponse} from 'node:http';
import type {Duplex} from 'node:stream';
import type {ErrorBody, ErrorCode, MoinError} from '../../shared/index.js';

/** Headers of every API answer: never cached, and it depends on the cookie and the origin. */
export const API_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'no-store',
  vary: 'Cookie, Origin',
});

/** Headers of every answer. */
const BASE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'x-content-type-options': 'nosniff',
});

/** Extra headers for one answer; arrays become repeated headers (Set-Cookie). */
export type HeaderMap = Record<string, string | string[]>;

/** Sends a JSON answer, with the base headers and the given extra ones. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: HeaderMap = {}
): void {
  sendJsonText(res, status, JSON.stringify(body), headers);
}

/** Sends text that already is JSON, like {@link sendJson}. */
export function sendJsonText(
  res: ServerResponse,
  status: number,
  text: string,
  headers: HeaderMap = {}
): void {
  // One flat list: no merged header objects to build per answer.
  const list: (string | string[])[] = ['x-content-type-options', 'nosniff'];
  for (const name in headers) list.push(name, headers[name]!);
  list.push('content-type', 'application/json; charset=utf-8');
  list.push('content-length', String(Buffer.byteLength(text)));
  res.writeHead(status, list);
  res.end(text);
}

/** Sends an error as `{"error": {"code", "message"}}` with its status. */
export function sendError(res: ServerResponse, err: MoinError, headers: HeaderMap = {}): void {
  const body: ErrorBody = err.toBody();
  sendJson(res, err.status, body, {...API_HEADERS, ...headers});
}

/** Sends a non-JSON body (static files, metrics) with the base headers. */
export function sendBody(
  res: ServerResponse,
  status: number,
  body: Buffer | string,
  headers: HeaderMap
): void {
  res.writeHead(status, {
    ...BASE_HEADERS,
    ...headers,
    'content-length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

/**
 * Answers on a bare socket, where there is no `ServerResponse` (a request Node's parser refused, a
 * refused WebSocket upgrade), with the API's JSON error body, then closes the connection.
 */
export function writeRawError(
  socket: Duplex,
  status: number,
  code: ErrorCode,
  message: string
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify({error: {code, message}} satisfies ErrorBody);
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      'Cache-Control: no-store\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
      body
  );
}
