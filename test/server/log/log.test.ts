import {describe, expect, it} from 'vitest';
import {LOG_LEVELS} from '../../../shared/index.js';
import {createLogger} from '../../../server/log.js';
import {LogCapture} from '../../support/log-capture.js';

describe('createLogger', () => {
  it('writes one JSON object per line with level, time, service and message', () => {
    const out = new LogCapture();
    createLogger('info', {destination: out}).info({event: 'login', user: 'Bob'}, 'login');
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]!.endsWith('\n')).toBe(true);
    expect(out.records()[0]).toMatchObject({
      level: 30,
      service: 'moin-session',
      event: 'login',
      user: 'Bob',
      msg: 'login',
    });
    expect(typeof out.records()[0]!['time']).toBe('number');
  });

  it('drops records below the configured level', () => {
    const out = new LogCapture();
    const log = createLogger('warn', {destination: out});
    log.info('hidden');
    log.debug('hidden');
    log.warn('shown');
    log.error('shown');
    expect(out.records().map((r) => r['msg'])).toEqual(['shown', 'shown']);
  });

  it('writes everything at trace and nothing at silent', () => {
    const loud = new LogCapture();
    createLogger('trace', {destination: loud}).trace('t');
    expect(loud.lines).toHaveLength(1);
    const quiet = new LogCapture();
    const log = createLogger('silent', {destination: quiet});
    log.fatal('f');
    log.error('e');
    expect(quiet.lines).toHaveLength(0);
  });

  it('accepts every level the config accepts', () => {
    for (const level of LOG_LEVELS) {
      expect(createLogger(level, {destination: new LogCapture()}).level).toBe(level);
    }
  });

  it('censors cookies and ids even when a request is logged whole', () => {
    const out = new LogCapture();
    const sid = 'Q2hlY2tUaGF0VGhpc0lzTmV2ZXJMb2dnZWRBbnl3aGVyZQ';
    createLogger('info', {destination: out}).info(
      {
        req: {headers: {cookie: `MOIN_SESSION=${sid}`}},
        res: {headers: {'set-cookie': [`MOIN_SESSION=${sid}; Path=/`]}},
        headers: {cookie: sid, 'set-cookie': sid},
        cookie: sid,
        sid,
      },
      'request'
    );
    expect(out.text()).not.toContain(sid);
    expect(out.text()).toContain('[redacted]');
  });
});
