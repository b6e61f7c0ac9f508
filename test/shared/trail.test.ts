import {describe, expect, it} from 'vitest';
import {SHORT_NAME_MAX, addToTrail, shortenPageName} from '../../shared/index.js';

/** Visits pages in order from an empty trail, as a browser would. */
function visitAll(pages: string[], size: number): string[] {
  let trail: string[] = [];
  for (const page of pages) trail = addToTrail(trail, page, size) ?? trail;
  return trail;
}

describe('addToTrail', () => {
  it('appends a page to the trail', () => {
    expect(addToTrail([], 'A', 5)).toEqual(['A']);
    expect(addToTrail(['A'], 'B', 5)).toEqual(['A', 'B']);
  });

  it('returns null when the newest page is visited again (a reload)', () => {
    expect(addToTrail(['A', 'B'], 'B', 5)).toBeNull();
    expect(addToTrail(['A'], 'A', 5)).toBeNull();
  });

  it('moves a revisited page to the end ([B, C] + B → [C, B])', () => {
    expect(addToTrail(['B', 'C'], 'B', 5)).toEqual(['C', 'B']);
    expect(addToTrail(['A', 'B', 'C', 'D'], 'B', 5)).toEqual(['A', 'C', 'D', 'B']);
  });

  it('keeps only the newest trail_size pages', () => {
    expect(visitAll(['A', 'B', 'C', 'D', 'E', 'F'], 5)).toEqual(['B', 'C', 'D', 'E', 'F']);
    expect(visitAll(['A', 'B', 'C'], 2)).toEqual(['B', 'C']);
    expect(visitAll(['A', 'B', 'A', 'C', 'B'], 3)).toEqual(['A', 'C', 'B']);
  });

  it('cuts an older, longer trail to the size on the next change', () => {
    expect(addToTrail(['A', 'B', 'C', 'D'], 'E', 2)).toEqual(['D', 'E']);
  });

  it('turns the trail off with size 0 (1.9 kept everything by accident)', () => {
    expect(addToTrail([], 'A', 0)).toBeNull();
    expect(addToTrail(['A', 'B'], 'C', 0)).toEqual([]);
    expect(visitAll(['A', 'B', 'C'], 0)).toEqual([]);
    expect(addToTrail(['A'], 'B', -1)).toEqual([]);
  });

  it('never changes the trail it is given', () => {
    const trail = Object.freeze(['A', 'B', 'C']);
    expect(addToTrail(trail, 'A', 2)).toEqual(['C', 'A']);
    expect(trail).toEqual(['A', 'B', 'C']);
  });

  it('compares names exactly (case and unicode form matter)', () => {
    expect(addToTrail(['frontpage'], 'FrontPage', 5)).toEqual(['frontpage', 'FrontPage']);
    expect(addToTrail(['é'], 'e\u0301', 5)).toEqual(['é', 'e\u0301']);
  });
});

describe('shortenPageName', () => {
  it('keeps names of up to 25 characters', () => {
    expect(shortenPageName('FrontPage')).toBe('FrontPage');
    expect(shortenPageName('x'.repeat(SHORT_NAME_MAX))).toBe('x'.repeat(25));
  });

  it('shortens like 1.9', () => {
    expect(shortenPageName('ThisIsAVeryLongPageNameForTestingTrail')).toBe(
      'ThisIsAVery...estingTrail'
    );
  });

  it('uses the last "/" part of a long name when that part fits', () => {
    expect(shortenPageName('Projects/Subprojects/Meetings/2024-Notes')).toBe('2024-Notes');
  });

  it('cuts the middle of the whole name when the last part is still too long', () => {
    const name = 'Projects/' + 'VeryLongSubPageNameThatGoesOn';
    expect(shortenPageName(name)).toBe(name.slice(0, 11) + '...' + name.slice(-11));
    expect(shortenPageName('A'.repeat(30) + '/')).toBe(
      'A'.repeat(11) + '...' + 'A'.repeat(10) + '/'
    );
  });

  it('never returns more than the maximum', () => {
    for (const n of [26, 27, 50, 513]) expect(shortenPageName('y'.repeat(n)).length).toBe(25);
  });

  it('takes another maximum', () => {
    expect(shortenPageName('ABCDEFGHIJ', 7)).toBe('AB...IJ');
  });
});
