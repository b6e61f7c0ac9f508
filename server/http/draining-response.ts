import {ServerResponse, type OutgoingHttpHeader, type OutgoingHttpHeaders} from 'node:http';

type Headers = OutgoingHttpHeaders | OutgoingHttpHeader[];

/** The switch one server's responses read as they write their head. */
export interface DrainSwitch {
  draining: boolean;
}

/**
 * A response class for `createServer({ServerResponse})`: once `drain.draining` is set, every
 * response that has not written its head yet asks its client not to reuse the connection
 * (`Connection: close`), so keep-alive connections end with their last answer while the server
 * closes. Every head goes through `writeHead` (`res.end()` without one calls it too), so this
 * reaches the requests in flight at close time without keeping a list of them per request.
 */
export function drainingResponse(drain: DrainSwitch): typeof ServerResponse {
  class DrainingResponse extends ServerResponse {
    override writeHead(status: number, message?: string, headers?: Headers): this;
    override writeHead(status: number, headers?: Headers): this;
    override writeHead(status: number, ...rest: [string?, Headers?] | [Headers?]): this {
      if (drain.draining) this.shouldKeepAlive = false;
      return super.writeHead(status, ...(rest as [string?, Headers?]));
    }
  }
  // The class is not generic over the request type like Node's; the server only uses it as is.
  return DrainingResponse as typeof ServerResponse;
}
