import {existsSync, readFileSync} from 'node:fs';
import {createServer} from 'node:http';
import {join} from 'node:path';
import type {AddressInfo} from 'node:net';

/**
 * A wiki on a second origin: `GET /?page=Name` is a page with a trail (recording a visit of Name)
 * and the change-user banner talking to the API on its own origin, with `window.session` set to
 * the shared connection (for login and logout from the test). The bundle comes from the API's
 * origin (`/moin-session.js` there: the README's "Another origin" recipe), or with
 * `?bundle=local` from this origin (the self-hosted recipe: the files of `moin-session assets`,
 * from `assets`, by default dist/client, served as a plain static folder would).
 */
export async function startHost(
  apiUrl: string,
  assets = 'dist/client'
): Promise<{origin: string; stop(): Promise<void>}> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://host');
    const file = /^\/(moin-session(\.[0-9a-f]{12})?\.js)$/.exec(url.pathname)?.[1];
    if (file) {
      const path = join(assets, file);
      if (!existsSync(path)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, {'content-type': 'text/javascript; charset=utf-8'});
      res.end(readFileSync(path));
      return;
    }
    if (url.pathname !== '/') {
      res.writeHead(404).end();
      return;
    }
    const bundle = url.searchParams.get('bundle') === 'local' ? '' : apiUrl;
    const page = url.searchParams.get('page');
    const attr = (s: string) =>
      s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
    res.writeHead(200, {'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store'});
    res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Host wiki</title><link rel="icon" href="data:,">
<script type="module">
  import * as moin from '${bundle}/moin-session.js';
  window.session = moin.connectionFor('${apiUrl}/api');
</script></head>
<body>
<moin-su-banner endpoint="${apiUrl}/api"></moin-su-banner>
<moin-trail endpoint="${apiUrl}/api" href-template="/?page={page}${bundle ? '' : '&amp;bundle=local'}"${page ? ` page="${attr(page)}"` : ''}></moin-trail>
<main><h1>${attr(page ?? 'Host')}</h1></main>
</body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
