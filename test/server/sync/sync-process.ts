// Spawns test/fixtures/service-child.mjs (the built service in a child process) for tests that kill
// the server hard. Not a test file itself.
import {spawn, type ChildProcess} from 'node:child_process';
import {fileURLToPath} from 'node:url';

const FIXTURE = fileURLToPath(new URL('../../fixtures/service-child.mjs', import.meta.url));

/** A running child server. */
export interface ChildServer {
  url: string;
  child: ChildProcess;
  /** SIGKILL: no close, no flush; resolves once the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM and wait (the normal shutdown). */
  stop(): Promise<void>;
}

/** Starts the fixture with a config and a name → password map; resolves once it listens. */
export function startChildServer(
  config: Record<string, unknown>,
  passwords: Record<string, string>
): Promise<ChildServer> {
  const child = spawn(
    process.execPath,
    [FIXTURE, JSON.stringify(config), JSON.stringify(passwords)],
    {stdio: ['ignore', 'pipe', 'pipe']}
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (s: NodeJS.Signals) => () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(s);
    return exited;
  };
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err = (err + d).slice(-4000)));
    child.stdout!.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      const {url} = JSON.parse(out.slice(0, nl)) as {url: string};
      resolve({url, child, kill: signal('SIGKILL'), stop: signal('SIGTERM')});
    });
    child.once('exit', (code) =>
      reject(new Error(`sync-server exited (${code}) before listening\n${err}`))
    );
  });
}
