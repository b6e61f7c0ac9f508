import {spawn} from 'node:child_process';
import type {ChildProcess} from 'node:child_process';
import {createInterface} from 'node:readline';
import {fileURLToPath} from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../fixtures/sqlite-store-child.mjs', import.meta.url));

/** A running test/fixtures/sqlite-store-child.mjs, read one JSON line at a time. */
interface StoreChild {
  process: ChildProcess;
  /** Every line printed so far, parsed. */
  lines: unknown[];
  /** The next line not yet taken by `next()`. */
  next(): Promise<unknown>;
  /** Writes one JSON line to the child's stdin. */
  send(value: unknown): void;
  /** Resolves with the exit code (or the signal name) once the child has ended. */
  exited: Promise<number | string>;
}

/**
 * Starts the fixture with `args`. `unprivileged`: when the tests run as root (whom file modes do
 * not stop), run it in a fresh user namespace, where root's powers over this system's files are
 * gone and a 0444 file really is read-only.
 */
export function startStoreChild(args: string[], options: {unprivileged?: boolean} = {}) {
  const argv = [SCRIPT, ...args];
  const asRoot = options.unprivileged === true && process.getuid?.() === 0;
  const child = asRoot
    ? spawn('unshare', ['--user', process.execPath, ...argv], {stdio: 'pipe'})
    : spawn(process.execPath, argv, {stdio: 'pipe'});
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines: unknown[] = [];
  const waiters: ((value: unknown) => void)[] = [];
  let taken = 0;
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  createInterface({input: child.stdout}).on('line', (line) => {
    lines.push(JSON.parse(line));
    while (waiters.length > 0 && taken < lines.length) waiters.shift()?.(lines[taken++]);
  });
  const result: StoreChild = {
    process: child,
    lines,
    next() {
      if (taken < lines.length) return Promise.resolve(lines[taken++]);
      return Promise.race([
        new Promise((resolve) => waiters.push(resolve)),
        exited.then((how) => {
          throw new Error(`the store child ended (${how}) before answering: ${stderr}`);
        }),
      ]);
    },
    send(value) {
      child.stdin.write(JSON.stringify(value) + '\n');
    },
    exited,
  };
  return result;
}
