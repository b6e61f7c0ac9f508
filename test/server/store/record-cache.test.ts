import {describe, expect, it} from 'vitest';
import {RecordCache} from '../../../server/store/record-cache.js';
import {sessionRecord} from '../../support/session-record.js';

const NOW = 1_800_000_000_000;
const record = (key: string, fields = {}) => sessionRecord(key, fields, NOW);

describe('RecordCache', () => {
  it('returns what it keeps, for as long as the session lives', () => {
    const cache = new RecordCache(10);
    cache.set(record('a', {trail: ['A']}));
    expect(cache.get('a', NOW)).toMatchObject({key: 'a', trail: ['A']});
    expect(cache.get('b', NOW)).toBeUndefined();
  });

  it('treats an expired session as a miss and forgets it', () => {
    const cache = new RecordCache(10);
    const r = cache.set(record('a'));
    expect(cache.get('a', r.expiresAt - 1)).toBeDefined();
    expect(cache.get('a', r.expiresAt)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('drops the least recently stored session beyond its size', () => {
    const cache = new RecordCache(2);
    cache.set(record('a'));
    cache.set(record('b'));
    cache.set(record('a', {rev: 2})); // stored again: now the youngest
    cache.set(record('c'));
    expect(cache.get('b', NOW)).toBeUndefined();
    expect(cache.get('a', NOW)?.rev).toBe(2);
    expect(cache.get('c', NOW)).toBeDefined();
    expect(cache.size).toBe(2);
  });

  it('keeps nothing with size 0', () => {
    const cache = new RecordCache(0);
    cache.set(record('a'));
    expect(cache.get('a', NOW)).toBeUndefined();
  });

  it('freezes what it keeps, down to nested extension values', () => {
    const cache = new RecordCache(10);
    cache.set(record('a', {trail: ['A'], ops: 'o1', data: {prefs: {theme: 'dark'}}}));
    const r = cache.get('a', NOW)!;
    expect(() => r.trail.push('B')).toThrow(TypeError);
    expect(() => {
      (r.data['prefs'] as {theme: string}).theme = 'light';
    }).toThrow(TypeError);
    expect(() => {
      (r as {rev: number}).rev = 9;
    }).toThrow(TypeError);
    expect(cache.get('a', NOW)).toMatchObject({trail: ['A'], data: {prefs: {theme: 'dark'}}});
  });

  it('forgets one session or all of them', () => {
    const cache = new RecordCache(10);
    cache.set(record('a'));
    cache.set(record('b'));
    cache.delete('a');
    expect(cache.get('a', NOW)).toBeUndefined();
    expect(cache.get('b', NOW)).toBeDefined();
    cache.clear();
    expect(cache.size).toBe(0);
  });
});
