// What a target process used, from Linux /proc: load-robust figures next to req/s (a busy machine
// lowers a target's req/s, but hardly the CPU it spends per request).
import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';

const TICKS = Number(spawnSync('getconf', ['CLK_TCK'], {encoding: 'utf8'}).stdout.trim()) || 100;

/** User + system CPU seconds a process has used. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** Resident set size of a process, in bytes. */
export function rssBytes(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/**
 * Settled RSS: a full GC in the target (its SIGUSR2 handler, under --expose-gc), then a pause
 * for the allocator. Twice: the first full GC runs finalizers whose memory only the second frees.
 */
export async function settledRssBytes(pid) {
  for (const pause of [300, 800]) {
    process.kill(pid, 'SIGUSR2');
    await new Promise((r) => setTimeout(r, pause));
  }
  return rssBytes(pid);
}
