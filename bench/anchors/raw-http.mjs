// Anchor: the ceiling. A raw node:http "hello world" (fastify's benchmark anchor), no session work.
import {createServer} from 'node:http';
import {announce, exitOnSignal} from '../lib/child.mjs';

const server = createServer((_req, res) => {
  res.writeHead(200, {'content-type': 'text/plain'});
  res.end('hello world');
});
server.listen(0, '127.0.0.1', () => {
  announce({url: `http://127.0.0.1:${server.address().port}`, path: '/', cookie: null});
});
exitOnSignal(() => new Promise((resolve) => server.close(() => resolve())));
