import type {Readable, Writable} from 'node:stream';

/** The process surface the CLI uses, injectable for tests. */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable & {isTTY?: boolean; setRawMode?: (mode: boolean) => unknown};
  /** Resolves with the name of the first SIGTERM or SIGINT. */
  waitForSignal(): Promise<string>;
}

/** The real process's {@link CliIo}. */
export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    waitForSignal: () =>
      new Promise((resolve) => {
        const on = (signal: string) => {
          process.off('SIGTERM', on);
          process.off('SIGINT', on);
          resolve(signal);
        };
        process.on('SIGTERM', on);
        process.on('SIGINT', on);
      }),
  };
}

/** Bad arguments or configuration: exit code 2 with this one line. */
export class UsageError extends Error {
  override name = 'UsageError' as const;
}

/** An operation that could not be done (unknown user, unreachable store): exit code 1. */
export class CommandError extends Error {
  override name = 'CommandError' as const;
}
