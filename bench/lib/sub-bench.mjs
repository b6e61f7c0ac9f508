// Runs a bench script that another part of the project owns (bench/ws.mjs, bench/redis.mjs) and
// takes its JSON: the whole stdout, or else the last JSON object printed at the start of a line.
import {spawn} from 'node:child_process';
import {existsSync} from 'node:fs';

/** Extracts the figures a script printed; null when there is no JSON in its output. */
export function lastJson(stdout) {
  const text = stdout.trim();
  try {
    return JSON.parse(text);
  } catch {
    // Not only JSON: look for the last block that starts a line with "{" and parses to the end.
  }
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    if (!lines[i].startsWith('{')) continue;
    try {
      return JSON.parse(lines.slice(i).join('\n'));
    } catch {
      // keep looking further up
    }
  }
  return null;
}

/**
 * `node file`, its output echoed through `print` with an indent; resolves with its JSON, or with
 * {skipped} when the file does not exist, or {error} when it fails, prints no JSON or overruns.
 */
export function runSubBench(file, {print = console.log, timeoutMs = 150_000, args = []} = {}) {
  if (!existsSync(file)) return Promise.resolve({skipped: `${file} does not exist yet`});
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file, ...args], {stdio: ['ignore', 'pipe', 'pipe']});
    let out = '';
    let pending = '';
    const echo = (d) => {
      pending += d;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const l of lines) print(`  | ${l}`);
    };
    child.stdout.on('data', (d) => {
      out += d;
      echo(d);
    });
    child.stderr.on('data', echo);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (pending) print(`  | ${pending}`);
      const json = lastJson(out);
      if (signal === 'SIGKILL')
        resolve({error: `killed after ${timeoutMs / 1000} s`, partial: json});
      else if (code !== 0) resolve({error: `exited with ${code ?? signal}`, partial: json});
      else if (json === null) resolve({error: 'printed no JSON'});
      else resolve(json);
    });
  });
}
