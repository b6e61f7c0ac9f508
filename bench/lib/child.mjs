// Bench targets run in their own child processes, so they never share an event loop (or a core's
// time slice in the same process) with the load generator. A target prints one JSON line on stdout
// when it is ready: {"url": "...", ...extra}.
import {spawn} from 'node:child_process';

/**
 * Starts `node file ...args` and resolves with the target's ready object plus `stop()` once it has
 * printed its ready line. Rejects with the child's stderr when it exits or stays silent too long.
 */
export function startTarget(file, args = [], {timeoutMs = 60_000, env = {}, nodeArgs = []} = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, file, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {...process.env, ...env},
    });
    let out = '';
    let err = '';
    let ready = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} did not get ready in ${timeoutMs} ms\n${err}`));
    }, timeoutMs);
    child.stderr.on('data', (d) => {
      // Keep only the tail: a chatty target must not grow the bench's memory.
      err = (err + d).slice(-8192);
    });
    child.stdout.on('data', (d) => {
      if (ready) return;
      out += d;
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      ready = true;
      clearTimeout(timer);
      let info;
      try {
        info = JSON.parse(out.slice(0, nl));
      } catch {
        child.kill('SIGKILL');
        reject(new Error(`${file} printed no JSON ready line: ${out.slice(0, 200)}\n${err}`));
        return;
      }
      resolve({
        ...info,
        pid: child.pid,
        stderr: () => err,
        stop: () => stopChild(child),
      });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!ready) reject(new Error(`${file} exited (${code ?? signal}) before ready\n${err}`));
    });
  });
}

/** SIGTERM, then SIGKILL after 5 s; resolves when the child is gone. */
export function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Prints a target's ready line (used by the target scripts). */
export function announce(info) {
  process.stdout.write(JSON.stringify(info) + '\n');
}

/** Exits cleanly on SIGTERM/SIGINT after `cleanup` (used by the target scripts). */
export function exitOnSignal(cleanup = async () => {}) {
  const bye = () => {
    cleanup().finally(() => process.exit(0));
  };
  process.once('SIGTERM', bye);
  process.once('SIGINT', bye);
}
