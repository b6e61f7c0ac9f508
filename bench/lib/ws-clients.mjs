// WebSocket clients of the bench scripts: open authenticated sockets on /api/sync (CONTRACT §5) in
// batches and close them again. Used by bench/ws.mjs, bench/ws-durable.mjs and
// bench/store-maintenance.mjs, against moin-session and against the no-storage ceiling alike.
import {WebSocket} from 'ws';

/**
 * Opens one socket and resolves once its first session view arrived (it must be a stored one);
 * later frames go to `onMessage(ws, data)`.
 */
export function open(target, cookie, onMessage) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(target.url.replace(/^http/, 'ws') + '/api/sync', {
      origin: target.origin ?? target.url,
      headers: {cookie},
      perMessageDeflate: false,
    });
    ws.once('message', (data) => {
      const first = JSON.parse(String(data));
      if (first.type !== 'session' || !first.session.stored) {
        reject(
          new Error(`expected a stored session view first, got ${String(data).slice(0, 200)}`)
        );
        return;
      }
      ws.on('message', (d) => onMessage(ws, d));
      resolve(ws);
    });
    ws.once('unexpected-response', (_q, res) =>
      reject(new Error(`upgrade refused: ${res.statusCode}`))
    );
    ws.once('error', reject);
  });
}

/** Opens many sockets, `batch` handshakes at a time (the listen backlog is finite). */
export async function openMany(target, cookies, onMessage, batch = 250) {
  const out = [];
  for (let i = 0; i < cookies.length; i += batch) {
    out.push(
      ...(await Promise.all(cookies.slice(i, i + batch).map((c) => open(target, c, onMessage))))
    );
  }
  return out;
}

/** Closes the sockets and resolves once every one of them is closed. */
export async function closeAll(sockets) {
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          ws.once('close', resolve);
          ws.close();
        })
    )
  );
}
