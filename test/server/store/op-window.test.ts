import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {APPLIED_OPS_KEPT, OP_ID_PATTERN} from '../../../shared/index.js';
import {
  decodeOpWindow,
  encodeOpWindow,
  rememberOpId,
  storedOpWindow,
} from '../../../server/store/op-window.js';
import {applyOp} from '../../../server/store/ops.js';
import {rowRecord, toRow} from '../../../server/store/sqlite-schema.js';
import type {SessionRecord} from '../../../server/store/types.js';
import {fuzzParams} from '../../support/fuzz-params.js';
import {sessionRecord} from '../../support/session-record.js';

const clientId = '2718281828459045235:';
const window = (from: number, n = APPLIED_OPS_KEPT) =>
  Array.from({length: n}, (_, i) => `${clientId}${from + i}`);

// Op ids as clients make them: mostly `<prefix><counter>` from a few prefixes (tabs, devices,
// a login's carried window), with any id the protocol allows mixed in (no counter, leading zeros,
// counters too long for a double).
const opIdChar = fc.constantFrom(...'AZaz09_.:-'.split(''), 'q', '7');
const anyOpId = fc
  .array(opIdChar, {minLength: 1, maxLength: 64})
  .map((cs) => cs.join(''))
  .filter((id) => OP_ID_PATTERN.test(id));
const counterOpId = fc
  .tuple(
    fc.constantFrom('c1:', 'c2:', 'op-', '', 'a:0', 'x9'),
    fc.oneof(fc.nat({max: 600}), fc.constantFrom(999_999_999_999_999, 1e15, 2 ** 53 - 1))
  )
  .map(([prefix, n]) => `${prefix}${n}`);
const opId = fc.oneof({arbitrary: counterOpId, weight: 4}, {arbitrary: anyOpId, weight: 1});
// Sequences of ids as clients send them: mostly counting up by one per prefix (sometimes racing
// tabs), so runs are long, also of prefixes that end with a digit (`a:0` + 5 is `a:05`: prefix
// `a:0`, which never grows a run), mixed with any other id.
const clientOpIds = fc
  .array(
    fc.oneof(
      {
        arbitrary: fc.tuple(
          fc.constantFrom('c1:', 'a:0', 'x', ''),
          fc.constantFrom(0, 1, 1, 1, 1, 1, 2, 3)
        ),
        weight: 3,
      },
      {arbitrary: opId, weight: 1}
    ),
    {minLength: 1, maxLength: 600, size: 'max'}
  )
  .map((steps) => {
    const counters: Record<string, number> = {};
    return steps.map((step) => {
      if (typeof step === 'string') return step;
      const [prefix, by] = step;
      counters[prefix] = (counters[prefix] ?? 5) + by;
      return `${prefix}${counters[prefix]}`;
    });
  });

describe('the stored op-id window', () => {
  it('stores a full window of one client in a few dozen characters', () => {
    const text = encodeOpWindow(window(1));
    expect(text).toBe(`${clientId}1*256`);
    expect(decodeOpWindow(text)).toEqual(window(1));
  });

  it('keeps the order of ids applied out of order and of ids without a counter', () => {
    const ids = [
      `${clientId}5`,
      `${clientId}7`,
      `${clientId}6`,
      'no-counter',
      'b:1',
      'b:2',
      `${clientId}8`,
    ];
    const text = encodeOpWindow(ids);
    expect(text).toBe(`${clientId}5,^7,^6,no-counter,b:1*2,${clientId}8`);
    expect(decodeOpWindow(text)).toEqual(ids);
  });

  it('gives back ids with leading zeros and counters past 15 digits exactly', () => {
    const ids = [
      'a:007',
      'a:008',
      'a:010',
      '0',
      '00',
      '1234567890123456789',
      '1234567890123456790',
    ];
    expect(decodeOpWindow(encodeOpWindow(ids))).toEqual(ids);
    // A prefix that ends with a digit never grows a run (the form every version writes).
    expect(encodeOpWindow(['a:007', 'a:008'])).toBe('a:007,^8');
  });

  it('reads the JSON array of rows written before issue 15', () => {
    expect(decodeOpWindow(JSON.stringify(window(1)))).toEqual(window(1));
    expect(decodeOpWindow('[]')).toEqual([]);
    expect(decodeOpWindow(['a', 'b'])).toEqual(['a', 'b']);
    expect(encodeOpWindow([])).toBe('');
    expect(decodeOpWindow('')).toEqual([]);
  });

  it('refuses stored text it never writes instead of guessing', () => {
    for (const bad of [
      '^5',
      'a*2',
      'a1*0',
      'a1*x',
      `a1*${APPLIED_OPS_KEPT + 1}`,
      'a1,,b2',
      '[1]',
    ]) {
      expect(() => decodeOpWindow(bad), bad).toThrow(SyntaxError);
    }
  });

  it('gives back any window exactly, never longer than the JSON array it replaces', () => {
    fc.assert(
      fc.property(fc.array(opId, {maxLength: APPLIED_OPS_KEPT, size: 'max'}), (ids) => {
        const text = encodeOpWindow(ids);
        expect(decodeOpWindow(text)).toEqual(ids);
        expect(text.length).toBeLessThanOrEqual(JSON.stringify(ids).length);
      }),
      fuzzParams(300)
    );
  });

  it(`dedupes every op id among the last ${APPLIED_OPS_KEPT} applied, through the stored form`, () => {
    // Visits with ids drawn from a small pool (so resends are frequent), each applied to the
    // session as the SQLite store does it: read the row, applyOp, write the row. The model is the
    // exact window: the last APPLIED_OPS_KEPT distinct ids applied.
    fc.assert(
      fc.property(
        fc.array(fc.oneof(counterOpId, fc.constantFrom('r1', 'r2', 'tab:1', 'tab:2')), {
          minLength: 1,
          maxLength: 700,
          size: 'max',
        }),
        (ids) => {
          let record: SessionRecord = sessionRecord('k', {}, 0);
          const applied: string[] = [];
          for (const id of ids) {
            const inWindow = applied.slice(-APPLIED_OPS_KEPT).includes(id);
            const r = applyOp(record, {type: 'visit', page: `P-${id}`, trailSize: 5, opId: id});
            // No false negative (a resend inside the window applied again) and no false
            // positive (a new id taken for a resend).
            expect(r.duplicate).toBe(inWindow);
            if (!inWindow) applied.push(id);
            record = rowRecord(toRow(r.record));
            expect(decodeOpWindow(record.ops)).toEqual(applied.slice(-APPLIED_OPS_KEPT));
          }
        }
      ),
      fuzzParams(100)
    );
  });

  it('applies an id to the text exactly as encoding the window with it appended would', () => {
    // rememberOpId works on the runs, never on the 256 ids: the model is the id list, re-encoded.
    fc.assert(
      fc.property(clientOpIds, (ids) => {
        let text = '';
        let model: string[] = [];
        for (const id of ids) {
          const next = rememberOpId(text, id);
          expect(next === null).toBe(model.includes(id));
          if (next === null) continue;
          model = [...model, id].slice(-APPLIED_OPS_KEPT);
          expect(next).toBe(encodeOpWindow(model));
          text = next;
        }
      }),
      fuzzParams(200)
    );
  });

  it('keeps a long window of one client one run as it slides', () => {
    let text = encodeOpWindow(window(1));
    for (let n = 257; n <= 1000; n++) text = rememberOpId(text, `${clientId}${n}`)!;
    expect(text).toBe(`${clientId}745*256`);
    expect(rememberOpId(text, `${clientId}744`)).toBe(`${clientId}746*255,^744`);
    expect(rememberOpId(text, `${clientId}745`)).toBeNull();
    expect(rememberOpId(text, `${clientId}1000`)).toBeNull();
  });

  it('takes a stored window into the compact form and refuses a bad one', () => {
    expect(storedOpWindow(JSON.stringify(window(1)))).toBe(`${clientId}1*256`);
    expect(storedOpWindow(['a', 'b'])).toBe('a,b');
    expect(storedOpWindow(`${clientId}1*256`)).toBe(`${clientId}1*256`);
    expect(() => storedOpWindow('a1,,b2')).toThrow(SyntaxError);
    expect(() => rememberOpId('^5', 'a1')).toThrow(SyntaxError);
  });
});
