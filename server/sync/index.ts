// Placeholder until issue 3 lands: the WebSocket hub behind GET /api/sync.
import type {IncomingMessage} from 'node:http';
import type {Duplex} from 'node:stream';
import type {ServiceParts} from '../service-parts.js';

/** The WebSocket side of the service. */
export interface SyncHub {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes every socket with 1001 and stops timers. */
  close(): Promise<void>;
  /** Open sockets. */
  readonly socketCount: number;
}

export function createSyncHub(_parts: ServiceParts): SyncHub {
  return {
    handleUpgrade(_req, socket) {
      socket.end('HTTP/1.1 501 Not Implemented\r\nConnection: close\r\n\r\n');
    },
    async close() {},
    socketCount: 0,
  };
}
