// A /healthz prober in its own process (so this bench's own sockets never delay it): one request
// at a time on a keep-alive connection, a pause of `intervalMs` between them, until stopped. What
// a load balancer's health check would see: the largest wait for one answer (a stall of the server
// shows in full in one request) and the largest gap between two answers.
//   const probe = startProbe(url); ...; const {maxWaitMs, maxGapMs} = await probe.stop();
import {spawn} from 'node:child_process';
import {Agent, get} from 'node:http';
import {fileURLToPath} from 'node:url';
import {isMain} from './format.mjs';

/** Starts probing `${url}/healthz`; `stop()` resolves with the figures. */
export function startProbe(url, {intervalMs = 5} = {}) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), url, String(intervalMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    async stop() {
      child.kill('SIGTERM');
      await exited;
      return JSON.parse(out.trim().split('\n').at(-1) ?? '{}');
    },
  };
}

async function probe(url, intervalMs) {
  const agent = new Agent({keepAlive: true, maxSockets: 1});
  const waits = [];
  let maxGap = 0;
  let failures = 0;
  let lastAnswer = null;
  let stop = false;
  process.once('SIGTERM', () => (stop = true));
  while (!stop) {
    const t = performance.now();
    const ok = await new Promise((resolve) => {
      const req = get(`${url}/healthz`, {agent}, (res) => {
        res.resume();
        res.once('end', () => resolve(res.statusCode === 200));
      });
      req.once('error', () => resolve(false));
    });
    const now = performance.now();
    if (!ok) failures++;
    waits.push(now - t);
    if (lastAnswer !== null) maxGap = Math.max(maxGap, now - lastAnswer);
    lastAnswer = now;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  waits.sort((a, b) => a - b);
  const r1 = (n) => Math.round((n ?? NaN) * 10) / 10;
  process.stdout.write(
    JSON.stringify({
      requests: waits.length,
      failures,
      p99WaitMs: r1(waits[Math.floor(waits.length * 0.99)]),
      maxWaitMs: r1(waits.at(-1)),
      maxGapMs: r1(maxGap),
      intervalMs,
    }) + '\n'
  );
  agent.destroy();
}

if (isMain(import.meta.url)) await probe(process.argv[2], Number(process.argv[3] ?? 5));
