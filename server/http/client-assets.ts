import {createHash} from 'node:crypto';
import {existsSync, readFileSync, renameSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {brotliCompressSync, constants, gzipSync} from 'node:zlib';

// The client bundle as it is served. After `vite build` writes dist/client/moin-session.js,
// `npm run build` calls writeClientAssets: the code moves to a content-hashed module
// (moin-session.<hash>.js, served immutable), the stable entry moin-session.js becomes one line
// that re-exports it (so a release changes only that small file), and both are precompressed
// with brotli and gzip. `serve` and `moin-session assets` only read these files.

/** The stable entry's file name (and URL path under `/`). */
export const ENTRY = 'moin-session.js';

/** Precompressed variants next to a file, best first: `Content-Encoding` and file suffix. */
export const ENCODINGS = [
  {coding: 'br', suffix: '.br'},
  {coding: 'gzip', suffix: '.gz'},
] as const;

/** A hashed module's name: `moin-session.` + 12 hex digits of its SHA-256 + `.js`. */
export const MODULE_NAME = /^moin-session\.[0-9a-f]{12}\.js$/;

/** The text of the stable entry for a hashed module. */
function entrySource(module: string): string {
  return `export * from './${module}';\n`;
}

/** The hashed module a stable entry names, or null when the text is not such an entry. */
export function moduleOfEntry(text: string): string | null {
  const name = /^export \* from '\.\/([^']+)';\n?$/.exec(text)?.[1];
  return name && MODULE_NAME.test(name) ? name : null;
}

/** Writes FILE.br and FILE.gz next to FILE where they are smaller than FILE (else none). */
function precompress(file: string): void {
  const raw = readFileSync(file);
  const bodies = {
    br: brotliCompressSync(raw, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 11,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
      },
    }),
    gzip: gzipSync(raw, {level: 9}),
  };
  for (const {coding, suffix} of ENCODINGS) {
    const body = bodies[coding];
    if (body.length < raw.length) writeFileSync(file + suffix, body);
    else rmSync(file + suffix, {force: true});
  }
}

/** Turns vite's `DIR/moin-session.js` (and its map) into the served files. */
export function writeClientAssets(dir: string): {entry: string; module: string} {
  const built = join(dir, ENTRY);
  const code = readFileSync(built, 'utf8');
  const module = `moin-session.${createHash('sha256').update(code).digest('hex').slice(0, 12)}.js`;
  let body = code;
  if (existsSync(`${built}.map`)) {
    const map = JSON.parse(readFileSync(`${built}.map`, 'utf8')) as {file?: string};
    map.file = module;
    writeFileSync(join(dir, `${module}.map`), JSON.stringify(map));
    rmSync(`${built}.map`);
    body = code.replace(/\/\/# sourceMappingURL=\S+\s*$/, `//# sourceMappingURL=${module}.map\n`);
  }
  writeFileSync(join(dir, module), body);
  precompress(join(dir, module));
  // The entry goes last, and atomically: whoever reads it finds its module already there.
  writeFileSync(`${built}.tmp`, entrySource(module));
  renameSync(`${built}.tmp`, built);
  precompress(built);
  return {entry: ENTRY, module};
}

/** The hashed module the stable entry in `dir` names (null: not built, or an old build). */
export function currentModule(dir: string): string | null {
  try {
    return moduleOfEntry(readFileSync(join(dir, ENTRY), 'utf8'));
  } catch {
    return null;
  }
}
