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
      ratio('vsRaw') ? `≥ ${http.goals.vsRaw}×: ${met(ratio('vsRaw') >= http.goals.vsRaw)}` : '',
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

/** The lines to print: the README's table (Performance) for this run. */
export function summaryTable(summary) {
  return markdownTable(['figure', 'moin-session', 'anchor', 'ratio', 'goal'], summaryRows(summary));
}
