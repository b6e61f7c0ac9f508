import {describe, expect, it} from 'vitest';
import {
  MAX_FRAME_BYTES,
  anonymousView,
  isSessionView,
  parseClientMessage,
  parseServerMessage,
} from '../../shared/index.js';
import type {ServerMessage, SessionView} from '../../shared/index.js';

const frame = (value: unknown) => JSON.stringify(value);

describe('parseClientMessage', () => {
  describe('visit', () => {
    it('accepts a visit and trims the page name', () => {
      expect(
        parseClientMessage(frame({type: 'visit', id: 'tab1:42', page: ' FrontPage '}))
      ).toEqual({
        ok: true,
        message: {type: 'visit', id: 'tab1:42', page: 'FrontPage'},
      });
    });

    it('drops fields it does not know', () => {
      const parsed = parseClientMessage(frame({type: 'visit', id: 'a', page: 'P', user: 'Admin'}));
      expect(parsed).toEqual({ok: true, message: {type: 'visit', id: 'a', page: 'P'}});
    });

    it.each(['A-Za-z0-9_.:-', 'x'.repeat(64), '1'])('accepts the op id %s', (id) => {
      expect(parseClientMessage(frame({type: 'visit', id, page: 'P'}))).toMatchObject({ok: true});
    });

    it.each([undefined, '', 'x'.repeat(65), 'a b', 'é', 'a/b', 42, null])(
      'rejects the op id %j with bad_message',
      (id) => {
        expect(parseClientMessage(frame({type: 'visit', id, page: 'P'}))).toEqual({
          ok: false,
          code: 'bad_message',
          message: 'A visit needs an "id" of 1-64 characters from A-Z a-z 0-9 _ . : -.',
        });
      }
    );

    it.each([
      ['   ', 'The page name is empty.'],
      [undefined, 'The page name must be a string.'],
      [7, 'The page name must be a string.'],
      ['x'.repeat(513), 'The page name is longer than 512 characters.'],
      ['a\u0000b', 'The page name holds control characters.'],
    ])('rejects the page %j with invalid_page, keeping the op id', (page, message) => {
      expect(parseClientMessage(frame({type: 'visit', id: 'op-1', page}))).toEqual({
        ok: false,
        code: 'invalid_page',
        message,
        id: 'op-1',
      });
    });
  });

  describe('ping', () => {
    it('accepts a ping', () => {
      expect(parseClientMessage('{"type":"ping"}')).toEqual({ok: true, message: {type: 'ping'}});
    });
  });

  describe('frames that are not messages', () => {
    it.each(['{', '', 'visit', '{"type":"ping"}}', "{'type':'ping'}"])(
      'rejects malformed JSON %j',
      (text) => {
        expect(parseClientMessage(text)).toEqual({
          ok: false,
          code: 'bad_message',
          message: 'The frame is not valid JSON.',
        });
      }
    );

    it.each(['[]', '"ping"', 'null', '42', 'true'])('rejects %s: not a JSON object', (text) => {
      expect(parseClientMessage(text)).toEqual({
        ok: false,
        code: 'bad_message',
        message: 'The frame must be a JSON object.',
      });
    });

    it.each([
      [{type: 'nope'}, 'Unknown message type "nope".'],
      [{type: 42}, 'Unknown message type 42.'],
      [{}, 'Unknown message type null.'],
      [{type: 'toString'}, 'Unknown message type "toString".'],
      [{type: '__proto__'}, 'Unknown message type "__proto__".'],
      [{type: 'ack', id: 'x'}, 'Unknown message type "ack".'],
    ])('rejects %j: unknown type', (value, message) => {
      expect(parseClientMessage(frame(value))).toEqual({ok: false, code: 'bad_message', message});
    });

    it('rejects a frame over 4 KiB before parsing it, and accepts one of exactly 4 KiB', () => {
      const pad = (n: number) => {
        const base = frame({type: 'ping', pad: ''});
        return frame({type: 'ping', pad: 'x'.repeat(n - base.length)});
      };
      expect(pad(MAX_FRAME_BYTES)).toHaveLength(4096);
      expect(parseClientMessage(pad(MAX_FRAME_BYTES))).toMatchObject({ok: true});
      expect(parseClientMessage(pad(MAX_FRAME_BYTES + 1))).toEqual({
        ok: false,
        code: 'bad_message',
        message: 'The frame is larger than 4 KiB.',
      });
    });
  });
});

describe('parseServerMessage', () => {
  const view: SessionView = {
    user: {name: 'Bob'},
    realUser: {name: 'Admin'},
    superuser: true,
    trail: ['A', 'B'],
    stored: true,
    expiresAt: '2030-01-01T00:00:00.000Z',
    rev: 7,
  };

  it.each<ServerMessage>([
    {type: 'session', session: view},
    {type: 'session', session: anonymousView()},
    {type: 'ack', id: 'op-1'},
    {type: 'error', code: 'invalid_page', message: 'The page name is empty.', id: 'op-2'},
    {type: 'error', code: 'bad_message', message: 'The frame is not valid JSON.'},
    {type: 'pong'},
  ])('accepts $type', (message) => {
    expect(parseServerMessage(frame(message))).toEqual(message);
  });

  it.each([
    '{',
    'null',
    '"session"',
    '[]',
    frame({}),
    frame({type: 'welcome'}),
    frame({type: 'toString'}),
    frame({type: 'session'}),
    frame({type: 'session', session: {...view, rev: '7'}}),
    frame({type: 'session', session: {...view, trail: ['A', 1]}}),
    frame({type: 'session', session: {...view, user: {}}}),
    frame({type: 'session', session: {...view, expiresAt: 0}}),
    frame({type: 'ack'}),
    frame({type: 'ack', id: 1}),
    frame({type: 'error', code: 'bad_message'}),
    frame({type: 'error', message: 'x'}),
  ])('rejects %s', (text) => {
    expect(parseServerMessage(text)).toBeNull();
  });
});

describe('isSessionView', () => {
  it('accepts views and rejects other values', () => {
    expect(isSessionView(anonymousView(['A']))).toBe(true);
    const {rev: _rev, ...withoutRev} = anonymousView();
    for (const bad of [null, 'view', [], withoutRev, {...anonymousView(), stored: 'yes'}]) {
      expect(isSessionView(bad)).toBe(false);
    }
  });
});
