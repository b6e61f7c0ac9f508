// Module hooks (see ts-worker-hooks.mjs): `./x.js` imported from a .ts file resolves to `./x.ts`
// when only that exists, and .ts files are transpiled (TypeScript's transpileModule, types
// dropped, no type check). Output is cached under node_modules/.cache by path, size and mtime, so
// starting a worker does not load the compiler again.
import {createHash} from 'node:crypto';
import {existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

const cacheDir = fileURLToPath(new URL('../node_modules/.cache/ts-worker/', import.meta.url));

export async function resolve(specifier, context, next) {
  const parent = context.parentURL;
  if (parent?.endsWith('.ts') && specifier.startsWith('.') && specifier.endsWith('.js')) {
    const url = new URL(specifier, parent);
    if (!existsSync(url)) {
      const ts = new URL(`${url.href.slice(0, -3)}.ts`);
      if (existsSync(ts)) return {url: ts.href, format: 'module', shortCircuit: true};
    }
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return next(url, context);
  const file = fileURLToPath(url);
  const {size, mtimeMs} = statSync(file);
  const id = createHash('sha1').update(`${file}\0${size}\0${mtimeMs}`).digest('hex');
  const cached = `${cacheDir}${id}.js`;
  if (existsSync(cached)) {
    return {format: 'module', source: readFileSync(cached, 'utf8'), shortCircuit: true};
  }
  const {default: ts} = await import('typescript');
  const {outputText} = ts.transpileModule(readFileSync(file, 'utf8'), {
    fileName: file,
    compilerOptions: {
      module: ts.ModuleKind.ESNext,
      target: ts.ScriptTarget.ES2022,
      verbatimModuleSyntax: true,
      sourceMap: false,
      inlineSourceMap: true,
      inlineSources: true,
    },
  });
  mkdirSync(cacheDir, {recursive: true});
  writeFileSync(`${cached}.${process.pid}`, outputText);
  renameSync(`${cached}.${process.pid}`, cached);
  return {format: 'module', source: outputText, shortCircuit: true};
}
