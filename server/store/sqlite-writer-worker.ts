// The SQLite writer thread: started by SqliteStore (sqlite-writer-thread.ts) with the file and its
// settings as workerData; it owns the write connection and runs one batch at a time.
import {parentPort, workerData} from 'node:worker_threads';
import {SqliteWriter, type WriterSettings} from './sqlite-writer.js';
import {errorToData, type FromWriter, type ToWriter} from './sqlite-writer-messages.js';

/** What the main thread passes in `workerData`. */
export interface WriterData {
  file: string;
  settings: WriterSettings;
  /** How often to look for commits of other processes, in ms; 0: never. */
  pollIntervalMs: number;
}

const port = parentPort;
if (port === null) throw new Error('sqlite-writer-worker.js runs as a worker thread only');
const {file, settings, pollIntervalMs} = workerData as WriterData;
const say = (message: FromWriter) => port.postMessage(message);

let writer: SqliteWriter | null = null;
try {
  writer = new SqliteWriter(file, settings);
} catch (error) {
  say({type: 'failed', error: errorToData(error)});
  port.close();
}

if (writer !== null) {
  const open = writer;
  const poll =
    pollIntervalMs > 0
      ? setInterval(() => {
          if (open.externalChange()) say({type: 'external'});
        }, pollIntervalMs)
      : null;
  port.on('message', (message: ToWriter) => {
    if (message.type === 'close') {
      if (poll !== null) clearInterval(poll);
      open.close();
      port.close();
      return;
    }
    void open.run(message.jobs, message.validAt).then((batch) => {
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
      if (open.externalChange()) say({type: 'external'});
    });
  });
  say({type: 'ready'});
}
