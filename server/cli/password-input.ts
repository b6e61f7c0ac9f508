import type {CliIo} from './io.js';
import {UsageError} from './io.js';

/**
 * Reads a password: one line from stdin when it is not a terminal (`echo pw | moin-session users
 * add Bob`), else a prompt on stderr with echo off, asked twice when `confirm` is set.
 */
export async function readPassword(io: CliIo, confirm: boolean): Promise<string> {
  if (!io.stdin.isTTY) {
    const line = await readLine(io.stdin);
    if (line === null || line === '')
      throw new UsageError('password: stdin gave no password (send one line)');
    return line;
  }
  const first = await prompt(io, 'Password: ');
  if (first === '') throw new UsageError('password: must not be empty');
  if (confirm && (await prompt(io, 'Repeat password: ')) !== first) {
    throw new UsageError('password: the two entries differ');
  }
  return first;
}

/** The first line of a stream (without its line ending), or null when it ends without data. */
function readLine(stream: CliIo['stdin']): Promise<string | null> {
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (value: string | null) => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', reject);
      stream.pause();
      resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      const nl = text.indexOf('\n');
      if (nl >= 0) done(text.slice(0, nl).replace(/\r$/, ''));
    };
    const onEnd = () => done(text === '' ? null : text.replace(/\r$/, ''));
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', reject);
    stream.resume();
  });
}

function prompt(io: CliIo, question: string): Promise<string> {
  const {stdin, stderr} = io;
  stderr.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    stdin.setRawMode?.(true);
    const finish = (result: string | null) => {
      stdin.off('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      stderr.write('\n');
      if (result === null) reject(new UsageError('password: cancelled'));
      else resolve(result);
    };
    // Raw mode: characters arrive one by one and nothing is echoed.
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n') return finish(value);
        if (ch === '\u0003' || ch === '\u0004') return finish(null);
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}
