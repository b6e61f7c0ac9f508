import {describe, expect, it} from 'vitest';
import {formatLogLine, humanLogDestination} from '../../server/human-log.js';
import {createLogger} from '../../server/log.js';

const at = new Date(2026, 11, 2, 9, 14, 3).getTime();

describe('formatLogLine', () => {
  it('lays out an info event as time, message and key=value, without level or service', () => {
    const line = JSON.stringify({
      level: 30,
      time: at,
      service: 'moin-session',
      event: 'login',
      user: 'Admin',
      session: 'P-X7nRPJueN4',
      msg: 'login',
    });
    expect(formatLogLine(line + '\n')).toBe('09:14:03 login user=Admin session=P-X7nRPJueN4\n');
  });

  it('names warnings and errors, quotes values with spaces, and indents a stack', () => {
    const line = JSON.stringify({
      level: 50,
      time: at,
      event: 'internal_error',
      url: '/a b',
      err: {message: 'boom', stack: 'Error: boom\n    at x'},
      msg: 'could not answer',
    });
    expect(formatLogLine(line)).toBe(
      '09:14:03 ERROR internal_error: could not answer url="/a b" err="boom"\n    Error: boom\n        at x\n'
    );
  });

  it('passes a line that is not JSON through unchanged', () => {
    expect(formatLogLine('plain text')).toBe('plain text\n');
  });

  it('receives what pino wrote after redaction: a cookie never reaches the terminal', () => {
    let out = '';
    const logger = createLogger('info', {
      destination: humanLogDestination({write: (t: string) => (out += t)}),
    });
    logger.warn({event: 'odd', headers: {cookie: 'MOIN_SESSION=secret-id'}}, 'odd request');
    expect(out).toMatch(
      /^\d\d:\d\d:\d\d WARN odd: odd request headers=\{"cookie":"\[redacted\]"\}\n$/
    );
    expect(out).not.toContain('secret-id');
  });
});
