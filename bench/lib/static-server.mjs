// A tiny static server for the client bench: the page and the bundle come from here, not from the
// moin-session server, so they still load while the session endpoint is unreachable.
import {createServer} from 'node:http';

/** Serves `files` ({path: {type, body}}) on 127.0.0.1:0, never cached. */
export function serveStatic(files) {
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      const f = files[new URL(req.url ?? '/', 'http://x').pathname];
      if (!f) {
        res.writeHead(404).end();
        return;
      }
      // no-store: every measured load fetches and compiles the module again.
      res.writeHead(200, {'content-type': f.type, 'cache-control': 'no-store'});
      res.end(f.body);
    });
    server.listen(0, '127.0.0.1', () => {
      resolve({
        url: `http://127.0.0.1:${server.address().port}`,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}
