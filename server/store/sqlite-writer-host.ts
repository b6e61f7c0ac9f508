import type {SqliteWriter} from './sqlite-writer.js';
import {errorToData, type FromWriter, type ToWriter} from './sqlite-writer-messages.js';

/**
 * Serves a writer over messages: runs each batch and answers it, polls for other processes'
 * commits, and closes on `close`. The writer thread uses it over its port; a store without a
 * thread (`writerThread: false`) calls it directly.
 */
export function hostWriter(
  writer: SqliteWriter,
  pollIntervalMs: number,
  say: (message: FromWriter) => void,
  onClosed: () => void
): (message: ToWriter) => void {
  const poll =
    pollIntervalMs > 0
      ? setInterval(() => {
          if (writer.externalChange()) say({type: 'external'});
        }, pollIntervalMs).unref()
      : null;
  return (message) => {
    if (message.type === 'close') {
      if (poll !== null) clearInterval(poll);
      writer.close();
      onClosed();
      return;
    }
    void writer.run(message.jobs, message.validAt).then((batch) => {
      say({
        type: 'done',
        outcomes: batch.outcomes.map((o) =>
          o.ok ? o : {ok: false as const, error: errorToData(o.error)}
        ),
        stamps: batch.stamps,
        commits: batch.commits.map(({writes, durationMs, error}) => ({
          writes,
          durationMs,
          ...(error === undefined ? {} : {error: errorToData(error)}),
        })),
        writeError: batch.writeError && errorToData(batch.writeError),
      });
      // data_version counts other connections' commits only: one that came during the batch
      // (the CLI) is told now rather than at the next poll.
      if (writer.externalChange()) say({type: 'external'});
    });
  };
}
