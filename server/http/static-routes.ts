import type {IncomingMessage, ServerResponse} from 'node:http';
import {readdirSync} from 'node:fs';
import {join} from 'node:path';
import {MoinError} from '../../shared/index.js';
import {acceptsEncoding, matchesEtag} from './accept-encoding.js';
import {CachedFile, type FileSnapshot} from './cached-file.js';
import {ENCODINGS, ENTRY, MODULE_NAME, moduleOfEntry} from './client-assets.js';
import {sendBody, type HeaderMap} from './respond.js';
import type {Router} from './router.js';

/** Where the client bundle lives under the package root. */
const BUNDLE_DIR = join('dist', 'client');

/**
 * The stable entry `/moin-session.js`: fresh for 5 minutes (a release reaches browsers within
 * that), then used stale for up to 7 days while it is revalidated in the background
 * (`stale-while-revalidate`, honoured by Chromium and Firefox), so a page that loaded it once
 * keeps its elements through an outage of the server. `stale-if-error` is for caches in between
 * (CDNs); browsers ignore it.
 */
export const ENTRY_CACHE_CONTROL =
  'public, max-age=300, stale-while-revalidate=604800, stale-if-error=604800';

/** A hashed module never changes: cached for a year, never revalidated. */
const MODULE_CACHE_CONTROL = 'public, max-age=31536000, immutable';

const SCRIPT_HEADERS = {
  'content-type': 'text/javascript; charset=utf-8',
  vary: 'Accept-Encoding',
  // A wiki on another origin loads the module with <script type="module">, which is a CORS
  // request; the bundle holds no secrets, so any origin may have it (no credentials).
  'access-control-allow-origin': '*',
  'cross-origin-resource-policy': 'cross-origin',
};

/** A file and its precompressed variants, read from memory. */
class Asset {
  readonly #plain: CachedFile;
  readonly #variants: {coding: string; file: CachedFile}[];

  constructor(path: string) {
    this.#plain = new CachedFile(path);
    this.#variants = ENCODINGS.map(({coding, suffix}) => ({
      coding,
      file: new CachedFile(path + suffix),
    }));
  }

  /** The plain file (null: missing). */
  plain(): Promise<FileSnapshot | null> {
    return this.#plain.get();
  }

  /**
   * The best variant the request accepts: the body, its `Content-Encoding` (none for the plain
   * file) and an ETag per encoding (a cache must not answer a gzip request with brotli bytes).
   */
  async pick(
    req: IncomingMessage,
    known?: FileSnapshot
  ): Promise<{body: Buffer; etag: string; coding: string | null} | null> {
    const plain = known ?? (await this.#plain.get());
    if (!plain) return null;
    const accepted = req.headers['accept-encoding'];
    for (const {coding, file} of this.#variants) {
      if (!acceptsEncoding(accepted, coding)) continue;
      const v = await file.get();
      if (v) return {body: v.body, etag: plain.etag.replace(/"$/, `-${coding}"`), coding};
    }
    return {body: plain.body, etag: plain.etag, coding: null};
  }
}

/**
 * `GET /` (the demo page, `index.html` under the root), `GET /moin-session.js` (the client
 * bundle's stable entry) and `GET /moin-session.<hash>.js` (the hashed modules in dist/client).
 * All are served from memory with an ETag; other origins may load the bundle.
 */
export function addStaticRoutes(router: Router, root: string): void {
  const page = new CachedFile(join(root, 'index.html'));
  const dir = join(root, BUNDLE_DIR);
  const entry = new Asset(join(dir, ENTRY));
  const modules = new Set<string>();
  // The module an entry names, read once per version of the entry file (snapshots are kept
  // until the file changes).
  const moduleOf = new WeakMap<FileSnapshot, string | null>();

  router.add('/', {
    GET: async (req, res) => {
      const file = await page.get();
      if (!file) throw new MoinError('not_found', 'There is no demo page (index.html) here.');
      serve(
        req,
        res,
        {...file, coding: null},
        {
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-cache',
        }
      );
    },
  });

  // Routes are exact paths: each hashed module gets its own, for the builds found at start and
  // for any build the entry names later (`npm run build` while the server runs).
  const addModule = (name: string) => {
    if (modules.has(name)) return;
    modules.add(name);
    const asset = new Asset(join(dir, name));
    router.add(`/${name}`, {
      GET: async (req, res) => {
        const file = await asset.pick(req);
        if (!file) throw new MoinError('not_found');
        serve(req, res, file, {...SCRIPT_HEADERS, 'cache-control': MODULE_CACHE_CONTROL});
      },
    });
  };
  for (const name of listModules(dir)) addModule(name);

  router.add(`/${ENTRY}`, {
    GET: async (req, res) => {
      const plain = await entry.plain();
      if (!plain) throw new MoinError('not_built');
      let module = moduleOf.get(plain);
      if (module === undefined) {
        module = moduleOfEntry(plain.body.toString('utf8'));
        moduleOf.set(plain, module);
        if (module) addModule(module);
      }
      if (!module) throw new MoinError('not_built');
      const file = (await entry.pick(req, plain))!;
      serve(req, res, file, {...SCRIPT_HEADERS, 'cache-control': ENTRY_CACHE_CONTROL});
    },
  });
}

function listModules(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => MODULE_NAME.test(n));
  } catch {
    return [];
  }
}

function serve(
  req: IncomingMessage,
  res: ServerResponse,
  file: {body: Buffer; etag: string; coding: string | null},
  headers: HeaderMap
): void {
  const all: HeaderMap = {...headers, etag: file.etag};
  if (matchesEtag(req.headers['if-none-match'], file.etag)) {
    res.writeHead(304, all);
    res.end();
    return;
  }
  if (file.coding) all['content-encoding'] = file.coding;
  sendBody(res, 200, file.body, all);
}
