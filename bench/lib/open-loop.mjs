// An open-loop load of durable visits over WebSocket (CONTRACT §5): visits are sent on a fixed
// schedule, `rate` per second spread round-robin over the sockets, whatever the answers do (a
// closed loop slows down with the server and hides its stalls: coordinated omission). Each visit's
// latency runs from the moment the schedule said to send it to its ack, so a stall of the server,
// or of this generator, shows in full. The same generator drives moin-session and the no-storage
// ceiling (bench/anchors/ws-ceiling.mjs).
import {cpuSeconds} from './proc.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const SESSION_PREFIX = '{"type":"session"';
const pct = (sorted, p) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : NaN;
const r2 = (n) => Math.round(n * 100) / 100;

/** A client id as the browser's mirror makes one (three random uint32s, digits only). */
export const clientId = () => crypto.getRandomValues(new Uint32Array(3)).join('');

/**
 * Sends `rate` visits per second over `sockets` (already open) for `warmup` + `seconds`, and
 * measures the acks of the visits scheduled in the last `seconds`: acks per second received in
 * that window, and ack latency p50/p99/max. Visits not acked `graceMs` after the last send count
 * as lost, with the time until then as their latency (the percentiles are then lower bounds). With `pid`, also the server's
 * CPU per ack. With `until` (a promise), the load goes on until it settles (and at least
 * `seconds`, at most `maxSeconds`): the window is then as long as that work took.
 */
export async function openLoop(
  sockets,
  {rate, seconds, warmup = 1, graceMs = 3000, pid, until, maxSeconds = 300}
) {
  const n = sockets.length;
  let settled = !until;
  until?.finally(() => (settled = true));
  let total = Math.ceil(rate * (warmup + (until ? maxSeconds : seconds)));
  const ackAt = new Float64Array(total).fill(NaN);
  // One client id per socket, its counter rising by one per visit, as a browser's mirror sends
  // them (every socket here is a session of its own): visit k goes to socket k % n as that
  // client's visit floor(k / n).
  const prefixes = sockets.map(() => clientId());
  const socketOf = new Map(prefixes.map((p, s) => [p, s]));
  const counts = {acks: 0, pushes: 0, errors: 0, lastError: null};
  let measuring = false;
  const onMessage = (_ws, data) => {
    const s = String(data);
    if (s.startsWith(SESSION_PREFIX)) {
      counts.pushes++;
      return;
    }
    const m = JSON.parse(s);
    if (m.type === 'ack') {
      const colon = m.id.lastIndexOf(':');
      const k = Number(m.id.slice(colon + 1)) * n + socketOf.get(m.id.slice(0, colon));
      if (Number.isNaN(ackAt[k])) ackAt[k] = performance.now();
      if (measuring) counts.acks++;
    } else if (m.type === 'error') {
      counts.errors++;
      counts.lastError = s.slice(0, 200);
    } else if (m.type === 'session') counts.pushes++;
  };
  for (const ws of sockets) {
    ws.removeAllListeners('message');
    ws.on('message', (d) => onMessage(ws, d));
  }
  const t0 = performance.now() + 20;
  const startMeasure = t0 + warmup * 1000;
  let endMeasure = startMeasure + (until ? maxSeconds : seconds) * 1000;
  const minEnd = startMeasure + seconds * 1000;
  const intended = (k) => t0 + (k * 1000) / rate;
  let k = 0;
  let cpu0 = 0;
  let cpu1 = 0;
  let maxBehindMs = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      if (until && settled && now >= minEnd && endMeasure > now) {
        endMeasure = now;
        total = Math.min(total, Math.ceil(((now - t0) * rate) / 1000));
      }
      if (!measuring && now >= startMeasure && now < endMeasure) {
        measuring = true;
        if (pid) cpu0 = cpuSeconds(pid);
      }
      const due = Math.min(total, Math.floor(((now - t0) * rate) / 1000) + 1);
      if (k < due) maxBehindMs = Math.max(maxBehindMs, now - intended(k));
      for (; k < due; k++) {
        // The page changes every round over the sockets, so every visit changes its session's
        // trail and is pushed to the session's sockets.
        const page = `Page${Math.floor(k / n) % 8}`;
        const s = k % n;
        sockets[s].send(`{"type":"visit","id":"${prefixes[s]}:${(k - s) / n}","page":"${page}"}`);
      }
      if (now >= endMeasure && measuring) {
        measuring = false;
        if (pid) cpu1 = cpuSeconds(pid);
      }
      if (k < total || now < endMeasure) setTimeout(tick, 1);
      else resolve();
    };
    setTimeout(tick, Math.max(0, t0 - performance.now()));
  });
  const first = Math.ceil(((startMeasure - t0) * rate) / 1000);
  const last = Math.min(total, Math.ceil(((endMeasure - t0) * rate) / 1000));
  const deadline = performance.now() + graceMs;
  const pending = () => {
    for (let i = first; i < last; i++) if (Number.isNaN(ackAt[i])) return true;
    return false;
  };
  while (pending() && performance.now() < deadline) await sleep(50);
  const gaveUp = performance.now();
  const latencies = [];
  let lost = 0;
  for (let i = first; i < last; i++) {
    if (Number.isNaN(ackAt[i])) lost++;
    // A visit never acked waited at least until the generator gave up on it.
    latencies.push((Number.isNaN(ackAt[i]) ? gaveUp : ackAt[i]) - intended(i));
  }
  latencies.sort((a, b) => a - b);
  const acked = latencies.length - lost;
  const serverCpu = cpu1 - cpu0;
  const measured = (endMeasure - startMeasure) / 1000;
  return {
    sockets: n,
    offeredPerSecond: rate,
    seconds: Math.round(measured * 10) / 10,
    acksPerSecond: Math.round(counts.acks / measured),
    p50Ms: r2(pct(latencies, 0.5)),
    p99Ms: r2(pct(latencies, 0.99)),
    maxMs: r2(latencies.at(-1)),
    lost,
    // With visits lost, the percentiles that reach them are lower bounds.
    ...(lost ? {latencyIsLowerBound: true} : {}),
    errors: counts.errors,
    ...(counts.lastError ? {lastError: counts.lastError} : {}),
    pushesPerSecond: Math.round(counts.pushes / (warmup + measured)),
    generatorMaxBehindMs: Math.round(maxBehindMs),
    ...(pid ? {serverCpuUsPerAck: Math.round((serverCpu * 1e6) / Math.max(1, acked))} : {}),
  };
}
