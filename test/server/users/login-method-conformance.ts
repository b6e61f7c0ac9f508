import {afterEach, describe, expect, it} from 'vitest';
import type {LoginMethod} from '../../../server/users/types.js';

/** The accounts every method under test holds: Carol is disabled. */
export const ACCOUNTS = [
  {name: 'Alice', password: 'alice-pw', disabled: false},
  {name: 'Bob', password: 'bob-pw', disabled: false},
  {name: 'Carol', password: 'carol-pw', disabled: true},
  {name: 'Ärger', password: 'pässwörd', disabled: false},
];

/** What a method's factory gives back. */
export interface Made {
  method: LoginMethod;
  cleanup?: () => Promise<void> | void;
}

/**
 * The behaviour every entry of the `auth` chain shares (as store-conformance does for stores).
 * `make` builds the method holding {@link ACCOUNTS}; a method without passwords (given) skips the
 * password checks and holds only the enabled accounts.
 */
export function describeLoginMethod(label: string, make: () => Promise<Made>): void {
  describe(`login method conformance: ${label}`, () => {
    let made: Made | undefined;
    afterEach(async () => {
      made?.method.close();
      await made?.cleanup?.();
      made = undefined;
    });
    const start = async () => (made = await make()).method;

    it('knows its accounts by exact name, disabled ones too, and no others', async () => {
      const m = await start();
      expect(m.get('Alice')).toMatchObject({name: 'Alice', disabled: false});
      expect(m.get('Ärger')).toMatchObject({name: 'Ärger', disabled: false});
      if (m.passwords) expect(m.get('Carol')).toMatchObject({name: 'Carol', disabled: true});
      expect(m.get('alice')).toBeUndefined();
      expect(m.get('Nobody')).toBeUndefined();
      expect(m.get('')).toBeUndefined();
    });

    it('lists every account sorted by name and searches enabled ones by prefix', async () => {
      const m = await start();
      const names = m.list().map((u) => u.name);
      expect(names).toEqual([...names].sort());
      expect(names).toEqual(expect.arrayContaining(['Alice', 'Bob', 'Ärger']));
      expect(m.search('a', 10).map((u) => u.name)).toEqual(['Alice']);
      expect(m.search('', 10).map((u) => u.name)).not.toContain('Carol');
      expect(m.search('', 1)).toHaveLength(1);
      expect(m.search('', 0)).toEqual([]);
    });

    it('accepts the right password and refuses wrong, unknown, disabled and oversized ones', async () => {
      const m = await start();
      if (!m.passwords) {
        // Proxy sign-on checks no passwords: every password login is refused.
        expect(await m.verify('Alice', 'alice-pw')).toBeUndefined();
        return;
      }
      const [right, umlaut, wrong, unknown, disabled, huge] = await Promise.all([
        m.verify('Alice', 'alice-pw'),
        m.verify('Ärger', 'pässwörd'),
        m.verify('Alice', 'alice-pw '),
        m.verify('Nobody', 'alice-pw'),
        m.verify('Carol', 'carol-pw'),
        m.verify('Alice', 'x'.repeat(5000)),
      ]);
      expect(right).toMatchObject({name: 'Alice', disabled: false});
      expect(umlaut).toMatchObject({name: 'Ärger'});
      expect([wrong, unknown, disabled, huge]).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
      ]);
    }, 60_000);
  });
}
