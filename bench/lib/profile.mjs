// Reads V8 .cpuprofile files (node --cpu-prof) and says where the time went: self time by
// function and inclusive time of moin-session's own functions, so a missed goal names a code path.
import {readFileSync, readdirSync, statSync} from 'node:fs';
import {join} from 'node:path';

const short = (url) =>
  url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, '')
    .replace(/^.*\/dist\//, 'dist/');

function frameName(cf) {
  const where = cf.url ? `${short(cf.url)}:${cf.lineNumber + 1}` : '(native)';
  return `${cf.functionName || '(anonymous)'} ${where}`;
}

/** Self and inclusive milliseconds per function of one profile. */
export function analyzeProfile(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const inclusive = new Map();
  const total = (id) => {
    if (inclusive.has(id)) return inclusive.get(id);
    const node = byId.get(id);
    let sum = selfUs.get(id) ?? 0;
    for (const c of node.children ?? []) sum += total(c);
    inclusive.set(id, sum);
    return sum;
  };
  const self = new Map();
  const incl = new Map();
  for (const node of profile.nodes) {
    const name = frameName(node.callFrame);
    self.set(name, (self.get(name) ?? 0) + (selfUs.get(node.id) ?? 0));
    // Recursion would count twice; our hot path is not recursive, and this is a pointer, not a proof.
    incl.set(name, (incl.get(name) ?? 0) + total(node.id));
  }
  const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
  // Percentages are of the busy time: a target waits (idle) while the others are measured.
  const busyUs = totalUs - (self.get('(idle) (native)') ?? 0);
  return {totalMs: totalUs / 1000, busyMs: busyUs / 1000, self, incl};
}

/**
 * Printable lines for the newest profile in `dir`. With `requests` (how many the profiled process
 * answered), each line also says how many microseconds of it one request costs.
 */
export function summarizeProfiles(dir, top = 15, {requests} = {}) {
  let files;
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.cpuprofile'))
      .map((f) => join(dir, f));
  } catch {
    return [`profile: none written in ${dir}`];
  }
  if (files.length === 0) return [`profile: none written in ${dir}`];
  const newest = files.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  const {totalMs, busyMs, self, incl} = analyzeProfile(JSON.parse(readFileSync(newest, 'utf8')));
  const perReq = (us) => (requests ? `  ${(us / requests).toFixed(1).padStart(5)} µs/req` : '');
  const pct = (us) => `${((us / 1000 / busyMs) * 100).toFixed(1)}%`.padStart(6) + perReq(us);
  const lines = [
    `profile ${newest} (${(totalMs / 1000).toFixed(1)} s sampled, ${(busyMs / 1000).toFixed(1)} s busy; % of busy time` +
      (requests
        ? `, ${requests} requests: ${((busyMs * 1000) / requests).toFixed(1)} µs busy per request)`
        : ')'),
    '  self time:',
  ];
  for (const [name, us] of [...self]
    .filter(([name]) => name !== '(idle) (native)')
    .sort((a, b) => b[1] - a[1])
    .slice(0, top))
    lines.push(`    ${pct(us)}  ${name}`);
  lines.push('  inclusive time of moin-session code (dist/):');
  for (const [name, us] of [...incl]
    .filter(([name]) => name.includes(' dist/'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top))
    lines.push(`    ${pct(us)}  ${name}`);
  return lines;
}
