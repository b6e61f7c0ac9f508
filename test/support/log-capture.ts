import type {DestinationStream} from 'pino';

/** A pino destination that keeps every line in memory, for tests that read the logs. */
export class LogCapture implements DestinationStream {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  /** Every line parsed as JSON. */
  records(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
  /** Everything written, as one string (for searching). */
  text(): string {
    return this.lines.join('');
  }
}
