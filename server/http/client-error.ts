import type {Duplex} from 'node:stream';
import {writeRawError} from './respond.js';

/**
 * An HTTP server `clientError` listener that answers requests Node's parser refuses (headers over
 * 16 KiB, bytes that are not HTTP, a header timeout) with the API's JSON error body instead of
 * Node's empty one, then closes the connection.
 */
export function answerClientError(err: Error & {code?: string}, socket: Duplex): void {
  if (err.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const [status, message]: [number, string] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'The request headers are larger than 16 KiB.']
      : err.code === 'HPE_REQUEST_TIMEOUT' || err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'The request took too long to arrive.']
        : [400, 'The request is not valid HTTP.'];
  writeRawError(socket, status, 'bad_request', message);
}
