// Anchor: the ceiling of the sync layer and of the load generator. A WebSocket server on the same
// `ws` library and options as moin-session's (no compression, 4 KiB frames) that speaks the same
// frames (CONTRACT §5): the session view on open, and for each visit the ack to the sender and the
// new view to every socket of that session, with the session kept in memory only: no store, no
// commit, no bus. Same load generator as moin-session's (bench/lib/open-loop.mjs).
//
// `node bench/anchors/ws-ceiling.mjs SESSIONS`: prints {"url", "origin", "cookies", "control"}.
import {randomBytes} from 'node:crypto';
import {createServer} from 'node:http';
import {WebSocketServer} from 'ws';
import {announce, exitOnSignal} from '../lib/child.mjs';
import {startControl} from '../lib/target-control.mjs';

const sessions = Number(process.argv[2] ?? 100);
const TRAIL = 5;
const byCookie = new Map();
const cookies = [];
for (let i = 0; i < sessions; i++) {
  const cookie = `MOIN_SESSION=${randomBytes(32).toString('base64url')}`;
  cookies.push(cookie);
  byCookie.set(cookie, {
    view: {
      user: {name: `bench${i}`, valid: true},
      realUser: null,
      superuser: false,
      trail: [],
      stored: true,
      expiresAt: new Date(Date.now() + 12 * 3_600_000).toISOString(),
      rev: 1,
    },
    sockets: new Set(),
    ops: new Set(),
  });
}
const dirty = new Set();
let flush = null;
const push = () => {
  flush = null;
  for (const s of dirty) {
    const frame = JSON.stringify({type: 'session', session: s.view});
    for (const ws of s.sockets) ws.send(frame);
  }
  dirty.clear();
};
const wss = new WebSocketServer({noServer: true, perMessageDeflate: false, maxPayload: 4096});
const http = createServer((_req, res) => {
  res.writeHead(200, {'content-type': 'application/json'});
  res.end('{"ok":true}');
});
http.on('upgrade', (req, socket, head) => {
  const s = byCookie.get(req.headers.cookie ?? '');
  if (!s) {
    socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => {
    s.sockets.add(ws);
    ws.on('close', () => s.sockets.delete(ws));
    ws.send(JSON.stringify({type: 'session', session: s.view}));
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      if (m.type !== 'visit') return;
      if (!s.ops.has(m.id)) {
        s.ops.add(m.id);
        if (s.ops.size > 256) s.ops.delete(s.ops.values().next().value);
        const trail = s.view.trail.filter((p) => p !== m.page);
        trail.push(m.page);
        s.view = {...s.view, trail: trail.slice(-TRAIL), rev: s.view.rev + 1};
        dirty.add(s);
        flush ??= setImmediate(push);
      }
      ws.send(JSON.stringify({type: 'ack', id: m.id}));
    });
  });
});
http.listen(0, '127.0.0.1', async () => {
  const url = `http://127.0.0.1:${http.address().port}`;
  announce({url, origin: url, cookies, store: 'none (ceiling)', control: await startControl({})});
});
exitOnSignal(
  () =>
    new Promise((resolve) => {
      for (const s of byCookie.values()) for (const ws of s.sockets) ws.terminate();
      http.close(() => resolve());
    })
);
