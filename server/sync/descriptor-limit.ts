import {execFileSync} from 'node:child_process';
import {readFileSync} from 'node:fs';

/** Descriptors kept back for HTTP connections, the store's files and the log. */
const DESCRIPTOR_HEADROOM = 128;

/**
 * The process's soft limit on open file descriptors (RLIMIT_NOFILE): from /proc/self/limits on
 * Linux, else from `ulimit -n` in a child shell; null when neither tells (or it is unlimited).
 */
export function descriptorLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // Not Linux: ask a shell, which inherits our limit.
  }
  try {
    const n = Number(execFileSync('/bin/sh', ['-c', 'ulimit -n'], {encoding: 'utf8'}).trim());
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/**
 * The default cap on open WebSockets for a descriptor limit: half of what is left after
 * {@link DESCRIPTOR_HEADROOM}, so HTTP keeps at least as many descriptors as the sockets take
 * (at least 16; 100,000 when the limit is unknown). `ulimit -n 1024` gives 448.
 */
export function defaultSocketCap(limit: number | null): number {
  if (limit === null) return 100_000;
  return Math.max(16, Math.floor((limit - DESCRIPTOR_HEADROOM) / 2));
}
