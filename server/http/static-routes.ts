import type {IncomingMessage, ServerResponse} from 'node:http';
import {join} from 'node:path';
import {MoinError} from '../../shared/index.js';
import {CachedFile} from './cached-file.js';
import {sendBody, type HeaderMap} from './respond.js';
import type {Router} from './router.js';

/** Where the client bundle lives under the package root. */
export const BUNDLE_PATH = join('dist', 'client', 'moin-session.js');

/**
 * `GET /` (the demo page, `index.html` under the root) and `GET /moin-session.js` (the client
 * bundle). Both are served from memory with an ETag; other origins may load the bundle.
 */
export function addStaticRoutes(router: Router, root: string): void {
  const page = new CachedFile(join(root, 'index.html'));
  const bundle = new CachedFile(join(root, BUNDLE_PATH));

  router.add('/', {
    GET: async (req, res) => {
      const file = await page.get();
      if (!file) throw new MoinError('not_found', 'There is no demo page (index.html) here.');
      serve(req, res, file, {
        'content-type': 'text/html; charset=utf-8',
        'cache-control': 'no-cache',
      });
    },
  });

  router.add('/moin-session.js', {
    GET: async (req, res) => {
      const file = await bundle.get();
      if (!file) throw new MoinError('not_built');
      serve(req, res, file, {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': 'no-cache',
        // A wiki on another origin loads the module with <script type="module">, which is a CORS
        // request; the bundle holds no secrets, so any origin may have it (no credentials).
        'access-control-allow-origin': '*',
        'cross-origin-resource-policy': 'cross-origin',
      });
    },
  });
}

function serve(
  req: IncomingMessage,
  res: ServerResponse,
  file: {body: Buffer; etag: string},
  headers: HeaderMap
): void {
  const all = {...headers, etag: file.etag};
  if (req.headers['if-none-match'] === file.etag) {
    res.writeHead(304, all);
    res.end();
    return;
  }
  sendBody(res, 200, file.body, all);
}
