// The SQLite writer thread: started by SqliteStore (sqlite-writer-thread.ts) with the file and its
// settings as workerData; it owns the write connection and runs one batch at a time.
import {parentPort, workerData} from 'node:worker_threads';
import {SqliteWriter, type WriterSettings} from './sqlite-writer.js';
import {hostWriter} from './sqlite-writer-host.js';
import {errorToData, type FromWriter} from './sqlite-writer-messages.js';

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
  port.on(
    'message',
    hostWriter(writer, pollIntervalMs, say, () => port.close())
  );
  say({type: 'ready'});
}
