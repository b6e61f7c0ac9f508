import {copyFile, mkdir, rename, stat} from 'node:fs/promises';
import {existsSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {ENCODINGS, ENTRY, currentModule} from '../http/client-assets.js';
import {parseCommandArgs, stringArg} from './args.js';
import {COMMAND_HELP} from './help.js';
import {CommandError, UsageError, type CliIo} from './io.js';

/** dist/client of this package (this file is dist/server/cli/assets-command.js). */
const BUILT = fileURLToPath(new URL('../../client/', import.meta.url));

/**
 * `moin-session assets --out DIR`: copies the client bundle (the hashed module, its map and
 * precompressed variants, then the stable entry) into a static folder. The entry is written last
 * and atomically, so a site serving DIR never names a module that is not there yet; modules of
 * earlier releases are left in place for pages that still hold an older entry.
 */
export async function assetsCommand(args: string[], io: CliIo, from = BUILT): Promise<number> {
  const {values} = parseCommandArgs(
    'assets',
    args,
    {out: {type: 'string'}},
    {min: 0, max: 0, names: ''}
  );
  if (values['help']) {
    io.stdout.write(COMMAND_HELP['assets']!);
    return 0;
  }
  const outArg = stringArg(values['out']);
  if (!outArg) throw new UsageError('assets: --out DIR is required');
  const out = resolve(outArg);
  const kind = await stat(out).catch(() => null);
  if (kind && !kind.isDirectory()) throw new UsageError(`assets: --out: ${outArg} is not a folder`);
  const module = currentModule(from);
  if (!module)
    throw new CommandError('assets: the client bundle is not built; run `npm run build`');
  await mkdir(out, {recursive: true}).catch((err: Error) => {
    throw new CommandError(`assets: cannot create ${outArg}: ${err.message}`);
  });
  const written: string[] = [];
  const copy = async (name: string, atomically = false) => {
    const src = join(from, name);
    if (!existsSync(src)) return;
    const dest = join(out, name);
    try {
      if (atomically) {
        await copyFile(src, `${dest}.tmp`);
        await rename(`${dest}.tmp`, dest);
      } else await copyFile(src, dest);
    } catch (err) {
      throw new CommandError(`assets: cannot write ${dest}: ${(err as Error).message}`);
    }
    written.push(name);
  };
  const variants = (name: string) => ENCODINGS.map(({suffix}) => name + suffix);
  for (const name of [module, `${module}.map`, ...variants(module)]) await copy(name);
  for (const name of variants(ENTRY)) await copy(name, true);
  await copy(ENTRY, true);
  for (const name of written) io.stdout.write(`${join(outArg, name)}\n`);
  io.stdout.write(
    `moin-session: load it with <script type="module" src="/PATH/TO/${ENTRY}"></script>, ` +
      `serve ${module} with Cache-Control: public, max-age=31536000, immutable\n`
  );
  return 0;
}
