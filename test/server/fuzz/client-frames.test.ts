import fc from 'fast-check';
import {describe, expect, it} from 'vitest';
import {
  ERROR_CODES,
  MAX_FRAME_BYTES,
  OP_ID_PATTERN,
  parseClientMessage,
  parseServerMessage,
  validatePageName,
} from '../../../shared/index.js';
import {fuzzParams} from '../../support/fuzz-params.js';
import {frameText, mutatedVisit} from './frame-arbitraries.js';

const FRAME_CODES = new Set(['bad_message', 'invalid_page']);

describe('parseClientMessage under fuzzing', () => {
  it('never throws and answers every frame with a message or a known code and a sentence', () => {
    fc.assert(
      fc.property(frameText(), (text) => {
        const r = parseClientMessage(text);
        if (r.ok) return;
        expect(FRAME_CODES.has(r.code)).toBe(true);
        expect(r.code in ERROR_CODES).toBe(true);
        expect(r.message).toMatch(/^[A-Z].{5,}\.$/s);
      }),
      fuzzParams(3000)
    );
  });

  it('accepts a visit only with a valid op id and a valid, trimmed page name', () => {
    fc.assert(
      fc.property(mutatedVisit(), (text) => {
        const r = parseClientMessage(text);
        if (!r.ok || r.message.type !== 'visit') return;
        expect(r.message.id).toMatch(OP_ID_PATTERN);
        const page = validatePageName(r.message.page);
        expect(page).toEqual({ok: true, name: r.message.page});
        // Nothing but type, id and page survives: extra fields never reach the store.
        expect(Object.keys(r.message).sort()).toEqual(['id', 'page', 'type']);
      }),
      fuzzParams(3000)
    );
  });

  it('names the op id of a refused visit only when the id itself is valid', () => {
    fc.assert(
      fc.property(mutatedVisit(), (text) => {
        const r = parseClientMessage(text);
        if (!r.ok && r.id !== undefined) expect(r.id).toMatch(OP_ID_PATTERN);
      }),
      fuzzParams(2000)
    );
  });

  it('refuses every frame over 4 KiB without parsing it', () => {
    fc.assert(
      fc.property(fc.integer({min: 1, max: 2000}), fc.string(), (extra, tail) => {
        const text =
          JSON.stringify({type: 'visit', id: 'a', page: 'x'.repeat(MAX_FRAME_BYTES)}) + tail;
        const r = parseClientMessage(text + ' '.repeat(extra));
        expect(r).toMatchObject({ok: false, code: 'bad_message'});
      }),
      fuzzParams(200)
    );
  });
});

describe('parseServerMessage under fuzzing', () => {
  it('never throws on garbage from a server and returns null or a known message type', () => {
    fc.assert(
      fc.property(frameText(), (text) => {
        const m = parseServerMessage(text);
        if (m !== null) expect(['session', 'ack', 'error', 'pong']).toContain(m.type);
      }),
      fuzzParams(3000)
    );
  });
});
