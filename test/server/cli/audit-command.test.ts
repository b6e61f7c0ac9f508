import {describe, expect, it} from 'vitest';
import {formatAuditEntry} from '../../../server/cli/audit-command.js';
import type {AuditEntry} from '../../../server/store/types.js';

const entry: AuditEntry = {
  at: Date.UTC(2026, 11, 1, 12, 0, 0),
  action: 'su_start',
  actor: 'Admin',
  target: 'Bob',
  address: '203.0.113.9',
  session: 'abcdefghijkl',
};

describe('formatAuditEntry', () => {
  it('writes plain fields as they are', () => {
    expect(formatAuditEntry(entry)).toBe(
      '2026-12-01T12:00:00.000Z su_start Admin → Bob 203.0.113.9 session=abcdefghijkl'
    );
  });

  it('quotes a field that could pass for other fields or another line', () => {
    const forged = '203.0.113.9 session=FORGED su_return Admin -> Bob';
    const line = formatAuditEntry({...entry, address: forged});
    expect(line).toBe(
      `2026-12-01T12:00:00.000Z su_start Admin → Bob ${JSON.stringify(forged)} session=abcdefghijkl`
    );
    expect(line.match(/session=/g)).toHaveLength(2);
    expect(line.endsWith(' session=abcdefghijkl')).toBe(true);
    const multi = formatAuditEntry({...entry, actor: 'Eve\n2026-12-01T00:00:00.000Z su_end'});
    expect(multi).not.toContain('\n');
    expect(multi).toContain('"Eve\\n2026-12-01T00:00:00.000Z su_end"');
  });

  it('ends the line with the login method the entry names', () => {
    expect(formatAuditEntry({...entry, method: 'moin'})).toBe(
      '2026-12-01T12:00:00.000Z su_start Admin → Bob 203.0.113.9 session=abcdefghijkl method=moin'
    );
  });
});
