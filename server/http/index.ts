// Placeholder until the HTTP API lands (issue 2).
import type {IncomingMessage, ServerResponse} from 'node:http';
import type {ServiceParts} from '../service-parts.js';

export function createHttpHandler(
  _parts: ServiceParts
): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    res.writeHead(501, {'content-type': 'application/json'});
    res.end('{"error":{"code":"internal_error","message":"not implemented"}}');
  };
}
