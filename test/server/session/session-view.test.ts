import {describe, expect, it} from 'vitest';
import {ViewTexts, recordView, transientView} from '../../../server/session/session-view.js';
import {sessionRecord} from '../../support/session-record.js';

const NOW = Date.UTC(2026, 10, 26, 12, 0, 0);

describe('recordView', () => {
  it('shows a stored anonymous session with its trail, expiry and rev', () => {
    const r = sessionRecord('k', {trail: ['A', 'B'], rev: 4}, NOW);
    expect(recordView(r, false)).toEqual({
      user: null,
      realUser: null,
      superuser: false,
      trail: ['A', 'B'],
      stored: true,
      expiresAt: '2026-11-26T13:00:00.000Z',
      rev: 4,
    });
  });

  it('shows the target as the user and the superuser as the real user while switched', () => {
    const r = sessionRecord('k', {user: 'Admin', suTarget: 'Bob'}, NOW);
    expect(recordView(r, true)).toMatchObject({
      user: {name: 'Bob'},
      realUser: {name: 'Admin'},
      superuser: true,
    });
  });

  it('shows a logged-in user with no real user when not switched', () => {
    const r = sessionRecord('k', {user: 'Alice'}, NOW);
    expect(recordView(r, false)).toMatchObject({user: {name: 'Alice'}, realUser: null});
  });
});

describe('transientView', () => {
  it('is the anonymous view with the trail when nobody signed in', () => {
    expect(transientView(['A'], null, true)).toEqual({
      user: null,
      realUser: null,
      superuser: false,
      trail: ['A'],
      stored: false,
      expiresAt: null,
      rev: 0,
    });
  });

  it('names the user of a login with lifetime 0, nothing stored', () => {
    expect(transientView([], 'Admin', true)).toMatchObject({
      user: {name: 'Admin'},
      superuser: true,
      stored: false,
      expiresAt: null,
    });
  });
});

describe('ViewTexts', () => {
  it('gives the JSON of the record view and the same text again for the same record', () => {
    const texts = new ViewTexts();
    const r = sessionRecord('k', {user: 'Alice', trail: ['A']}, NOW);
    const first = texts.of(r, false);
    expect(JSON.parse(first)).toEqual(recordView(r, false));
    expect(texts.of(r, false)).toBe(first);
  });

  it('renders again when the superuser flag changes or the record is a new object', () => {
    const texts = new ViewTexts();
    const r = sessionRecord('k', {user: 'Admin'}, NOW);
    expect(JSON.parse(texts.of(r, false)).superuser).toBe(false);
    expect(JSON.parse(texts.of(r, true)).superuser).toBe(true);
    const changed = {...r, trail: ['New'], rev: 2};
    expect(JSON.parse(texts.of(changed, true))).toMatchObject({trail: ['New'], rev: 2});
  });
});
