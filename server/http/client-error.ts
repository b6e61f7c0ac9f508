import {STATUS_CODES} from 'node:http';
import type {Duplex} from 'node:stream';

/**
 * An HTTP server `clientError` listener that answers requests Node's parser refuses (headers over
 * 16 KiB, bytes that are not HTTP, a header timeout) with the API's JSON error body instead of
 * Node's empty one, then closes the connection.
 */
export function answerClientError(err: Error & {code?: string}, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request headers are larger than 16 KiB.']
      : err.code === 'HPE_REQUEST_TIMEOUT' || err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request took too long to arrive.']
        : [400, 'The request is not valid HTTP.'];
  const body = JSON.stringify({error: {code: 'bad_request', message}});
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      'Cache-Control: no-store\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
      body
  );
}
