import type {DestinationStream} from 'pino';

/** pino's numeric levels, as short words; info is the quiet default and gets none. */
const LEVEL_WORDS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};

/** Fields every line has, or that the layout shows elsewhere. */
const HIDDEN = new Set(['level', 'time', 'service', 'msg', 'event', 'pid', 'hostname']);

/**
 * A pino destination that writes each JSON line as one line a person reads at a terminal:
 * `09:14:03 login user=Admin session=P-X7nRPJueN4 address=127.0.0.1`, `WARN`/`ERROR` before the
 * message, an error's stack indented below it. For `serve --demo`; servers keep the JSON lines.
 * It only re-lays out what pino wrote, after redaction: it adds nothing to a log line.
 */
export function humanLogDestination(out: {write(text: string): unknown}): DestinationStream {
  return {write: (line: string) => void out.write(formatLogLine(line))};
}

/** One pino JSON line (with or without its newline) as a human line ending in a newline. */
export function formatLogLine(line: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : line + '\n';
  }
  const time = typeof entry['time'] === 'number' ? clock(entry['time']) : '--:--:--';
  const level = LEVEL_WORDS[entry['level'] as number];
  const msg = String(entry['msg'] ?? entry['event'] ?? '');
  const event = typeof entry['event'] === 'string' && entry['event'] !== msg ? entry['event'] : '';
  const parts = [time, level, event && `${event}:`, msg];
  let stack = '';
  for (const [key, value] of Object.entries(entry)) {
    if (HIDDEN.has(key) || value === undefined) continue;
    if (key === 'err' && typeof value === 'object' && value !== null) {
      const err = value as {message?: unknown; stack?: unknown};
      parts.push(`err=${JSON.stringify(String(err.message ?? ''))}`);
      if (typeof err.stack === 'string') stack = err.stack.replace(/^/gm, '    ') + '\n';
      continue;
    }
    parts.push(
      `${key}=${typeof value === 'string' && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value)}`
    );
  }
  return parts.filter(Boolean).join(' ') + '\n' + stack;
}

/** `HH:MM:SS` in local time, as a terminal user reads a clock. */
function clock(ms: number): string {
  const d = new Date(ms);
  return [d.getHours(), d.getMinutes(), d.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
}
