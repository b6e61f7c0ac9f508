// The end of `npm run bench`: the README's summary table (Performance), filled from this run's
// figures. The full figures stay in bench/results/latest.json.
import {int, times} from './format.mjs';

/** A Markdown table with padded columns, as Prettier lays out the README's. */
export function markdownTable(header, rows) {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(3, ...all.map((r) => [...(r[i] ?? '')].length)));
  const line = (r) =>
    `| ${r.map((c, i) => (c ?? '') + ' '.repeat(widths[i] - [...(c ?? '')].length)).join(' | ')} |`;
  return [line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)];
}

const met = (ok) => (ok ? 'met' : '**missed**');
const range = (values) =>
  values?.length > 1 ? ` (rounds ${times(Math.min(...values))}–${times(Math.max(...values))})` : '';

/** The rows of the README's table for one run's `summary` (sections that failed say so). */
export function summaryRows(summary) {
  const {http, ws, client, redis} = summary;
  const rows = [];
  const failed = (figure, section) =>
    rows.push([figure, `not measured: ${section.error ?? section.skipped}`, '', '', '']);

  if (http?.targets?.moin) {
    const t = http.targets;
    const moin = t.moin;
    const ratio = (key) => http.ratios[key];
    const anchor = (id) =>
      t[id]?.reqPerSec
        ? `${t[id].label}: ${int(t[id].reqPerSec)} req/s, ${t[id].cpuUsPerReq} µs CPU/req`
        : '';
    const cpu = (key) => (http.cpuRatios[key] ? `, ${times(http.cpuRatios[key])} CPU` : '');
    const r = (key) =>
      ratio(key)
        ? `**${times(ratio(key))}** req/s${range(http.ratioRounds[key]?.reqPerSec)}${cpu(key)}`
        : '';
    rows.push([
      '`GET /api/session`, stored logged-in session, SQLite',
      `${int(moin.reqPerSec)} req/s, p99 ${moin.p99Ms} ms, ${moin.cpuUsPerReq} µs CPU/req`,
      anchor('expressSqlite'),
      r('vsExpressSqlite'),
      ratio('vsExpressSqlite')
        ? `≥ ${http.goals.vsExpressSqlite}×: ${met(ratio('vsExpressSqlite') >= http.goals.vsExpressSqlite)}`
        : '',
    ]);
    rows.push(['the same', '', anchor('expressMemory'), r('vsExpressMemory'), '']);
    rows.push([
      'the same',
      '',
      anchor('raw'),
      r('vsRaw'),
      ratio('vsRaw')
        ? `≥ ${http.goals.vsRaw}× by req/s: ${met(ratio('vsRaw') >= http.goals.vsRaw)}` +
          (http.cpuRatios.vsRaw ? `; by CPU: ${met(http.cpuRatios.vsRaw >= http.goals.vsRaw)}` : '')
        : '',
    ]);
  } else if (http) failed('`GET /api/session` on SQLite', http);

  if (redis?.get?.targets) {
    const {moin, connectRedis} = redis.get.targets;
    rows.push([
      '`GET /api/session` on Redis',
      `${int(moin.reqPerSec)} req/s`,
      `${connectRedis.label}: ${int(connectRedis.reqPerSec)} req/s`,
      `**${times(redis.get.ratioVsConnectRedis)}**`,
      `several ×: ${met(redis.get.ratioVsConnectRedis >= 2)}`,
    ]);
  } else if (redis) failed('`GET /api/session` on Redis', redis);
  if (ws?.acks) {
    const g = ws.goals;
    rows.push([
      `durable acked visits over WebSocket, ${ws.acks[0]?.sockets} sockets`,
      ws.acks
        .map((a) => `${int(a.acksPerSecond)}/s, p99 ${a.p99Ms} ms (${a.window} in flight)`)
        .join('; '),
      '—',
      '',
      `${int(g.acksPerSecond)}/s, p99 < ${g.ackP99Ms} ms: ${met(ws.acks.some((a) => a.acksPerSecond >= g.acksPerSecond && a.p99Ms < g.ackP99Ms))}`,
    ]);
    rows.push([
      `pushes to ${int(ws.pushes.sockets)} sockets`,
      `${int(ws.pushes.pushesPerCpuSecond)} per server CPU second`,
      'ws alone ≈ 59k (docs/benchmarks.md)',
      '',
      `${int(g.pushesPerCpuSecond)}/core: ${met(ws.pushes.pushesPerCpuSecond >= g.pushesPerCpuSecond)}`,
    ]);
    const b = ws.idle.bytesPerSocket;
    rows.push([
      'memory per idle socket',
      ws.idle.valid === false || !(b > 0) ? `measurement error (${int(b)} B)` : `${int(b)} B`,
      'ws alone ≈ 8 KB',
      '',
      `< ${int(g.bytesPerIdleSocket / 1024)} KB: ${ws.idle.valid === false || !(b > 0) ? 'not measured' : met(b < g.bytesPerIdleSocket)}`,
    ]);
  } else if (ws) failed('WebSocket figures', ws);

  durableRows(summary, rows, failed);
  if (client?.sizes) {
    const {sizes, budgets} = client;
    rows.push([
      'client bundle, both elements, everything the page loads',
      `${int(sizes.gzipBytes)} B gzip, ${int(sizes.brotliBytes)} B brotli`,
      'Lit alone ≈ 5.8 KB',
      '',
      `≤ ${int(budgets.gzipBytes)} B gzip: ${met(sizes.gzipBytes <= budgets.gzipBytes)}; ≤ ${int(budgets.brotliBytes)} B brotli: ${met(sizes.brotliBytes <= budgets.brotliBytes)}`,
    ]);
    const p = client.firstPaint;
    rows.push([
      'first trail paint from the mirror, server unreachable',
      p?.paintMs === undefined
        ? `not measured: ${p?.error}`
        : `${p.paintMs} ms from \`import()\` (median of ${p.runs})`,
      '',
      '',
      '',
    ]);
  }
  return rows;
}

const ms = (n) => `${n >= 100 ? int(n) : n} ms`;
const mib = (bytes) => `${int(bytes / 2 ** 20)} MiB`;
const p99 = (a) => `${a.latencyIsLowerBound ? '≥ ' : ''}${ms(a.p99Ms)}`;

/** Issue 15's rows: durable visits vs the ceiling, stalls, spread reads, op-window bytes, list. */
function durableRows({durable, httpSpread, store}, rows, failed) {
  const acks = durable?.acks?.rows;
  if (acks) {
    const g = durable.goals;
    for (const r of acks) {
      const {moin, ceiling} = r;
      const goals = [
        r.offeredPerSecond === g.lowRate
          ? `p99 < ${g.ackP99Ms} ms: ${met(moin.p99Ms < g.ackP99Ms)}`
          : '',
        r.offeredPerSecond === g.highRate
          ? `≥ ${int(g.acksPerSecond)} acks/s: ${met(moin.acksPerSecond >= g.acksPerSecond * g.ackRateSlack)}`
          : '',
        `p99 ≤ ${g.p99VsCeiling}× ceiling: ${met(r.p99VsCeiling <= g.p99VsCeiling)}`,
      ];
      rows.push([
        `durable acked visits, ${int(r.sockets)} sockets, ${int(r.offeredPerSecond)}/s offered (open loop)`,
        `${int(moin.acksPerSecond)} acks/s, p99 ${p99(moin)}` +
          (moin.lost ? `, ${int(moin.lost)} not acked` : ''),
        `no-storage ceiling: ${int(ceiling.acksPerSecond)} acks/s, p99 ${p99(ceiling)}`,
        `p99 **${times(r.p99VsCeiling)}**, acks/s ${times(r.acksVsCeiling)}`,
        goals.filter(Boolean).join('; '),
      ]);
    }
  } else if (durable?.error || durable?.skipped) failed('durable acked visits vs ceiling', durable);
  const idle = durable?.idle;
  if (idle) {
    const worst = Math.max(idle.idle.healthz.maxWaitMs, idle.idle.loop.maxMs);
    rows.push([
      `largest \`/healthz\` wait, ${int(idle.sockets)} idle sockets, ${idle.heartbeats} heartbeats of ${idle.pingSeconds} s`,
      `${ms(idle.idle.healthz.maxWaitMs)} (server loop max ${ms(idle.idle.loop.maxMs)})`,
      `no sockets: ${ms(idle.none.healthz.maxWaitMs)} (loop ${ms(idle.none.loop.maxMs)})`,
      times(worst / Math.max(1, idle.none.healthz.maxWaitMs, idle.none.loop.maxMs)),
      `< ${durable.goals.idleStallMs} ms: ${met(idle.met)}`,
    ]);
  }
  const spread = httpSpread?.rows;
  if (spread) {
    const base = spread[0];
    for (const r of spread.slice(1)) {
      rows.push([
        `\`GET /api/session\` over ${int(r.sessions)} stored sessions, each request another`,
        `${int(r.reqPerSec)} req/s, ${r.cpuUsPerReq} µs CPU/req`,
        `over ${int(base.sessions)}: ${int(base.reqPerSec)} req/s, ${base.cpuUsPerReq} µs CPU/req`,
        `${int(base.sessions)} ÷ this: **${times(r.vsSmallest)}** req/s, CPU ${times(r.cpuVsSmallest)}`,
        r === spread.at(-1) ? `within ${httpSpread.goal}×: ${met(httpSpread.met)}` : '',
      ]);
    }
  } else if (httpSpread) failed('`GET /api/session` over many sessions', httpSpread);
  if (store?.bench !== 'store-maintenance') {
    if (store) failed('purge stalls, sessions list, op-window bytes', store);
    return;
  }
  const g = store.goals;
  const stall = (label, r) => {
    if (!r) return;
    const before = store.oneDelete?.blockedMs;
    rows.push([
      `largest event-loop stall, ${label} of ${int(store.rows)} expired sessions`,
      `${ms(r.loopMaxMs)}; ack p99 ${ms(r.ackP99Ms)}, \`/healthz\` max ${ms(r.healthzMaxWaitMs)}; ${r.workSeconds} s`,
      [
        before ? `one DELETE: ${ms(before)}` : '',
        store.noPurge ? `no purge: loop ${ms(store.noPurge.loopMaxMs)}` : '',
      ]
        .filter(Boolean)
        .join('; '),
      before ? `one DELETE ÷ this: ${times(before / Math.max(1, r.loopMaxMs))}` : '',
      `< ${g.stallMs} ms: ${met(r.loopMaxMs < g.stallMs)}`,
    ]);
  };
  stall('in-process purge', store.inProcess);
  stall('CLI `sessions purge`', store.cli);
  if (store.list) {
    const l = store.list;
    rows.push([
      `\`sessions list\` of ${int(l.rows)} sessions (CLI)`,
      l.code === 0
        ? `completes in ${l.seconds} s, peak RSS ${l.peakRssBytes ? mib(l.peakRssBytes) : '?'}`
        : `exit ${l.code}: ${l.err ?? ''}`.slice(0, 80),
      'before issue 15: crashed from 150,000',
      '',
      `completes: ${met(store.met.listCompletes)}`,
    ]);
  }
  if (store.opWindow) {
    const w = store.opWindow;
    rows.push([
      `bytes per stored session, full op-id window (${w.visitsPerSession} visits over WebSocket)`,
      `${int(w.rowBytes)} B row, ${int(w.diskBytesPerSession)} B of pages`,
      'before issue 15: 9.1 KB a row',
      '',
      `≤ ${int(g.bytesPerSession)} B: ${met(store.met.bytesPerSession)}`,
    ]);
  }
}

/** The lines to print: the README's table (Performance) for this run. */
export function summaryTable(summary) {
  return markdownTable(['figure', 'moin-session', 'anchor', 'ratio', 'goal'], summaryRows(summary));
}
