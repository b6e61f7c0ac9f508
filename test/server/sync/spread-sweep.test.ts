import {afterEach, describe, expect, it} from 'vitest';
import {SpreadSweep} from '../../../server/sync/spread-sweep.js';

describe('SpreadSweep', () => {
  let sweep: SpreadSweep<number> | null = null;
  afterEach(() => sweep?.stop());

  it('visits every item once per interval, in slices spread over it', async () => {
    const items = Array.from({length: 1000}, (_, i) => i);
    const turns: number[][] = [];
    let turn: number[] | null = null;
    sweep = new SpreadSweep(
      400,
      () => items,
      (i) => {
        if (turn === null) {
          turn = [];
          turns.push(turn);
          setImmediate(() => (turn = null));
        }
        turn.push(i);
      },
      10
    );
    await new Promise((r) => setTimeout(r, 380));
    const visited = turns.flat();
    expect(new Set(visited).size).toBe(visited.length);
    // Most of the round has run, never more than a slice (100 items) in one turn.
    expect(visited.length).toBeGreaterThanOrEqual(600);
    expect(Math.max(...turns.map((t) => t.length))).toBeLessThanOrEqual(100);
    await new Promise((r) => setTimeout(r, 500));
    expect(
      turns
        .flat()
        .slice(0, 1000)
        .sort((a, b) => a - b)
    ).toEqual(items);
  });

  it('takes items added during a round in the next one', async () => {
    const items = new Set([1, 2]);
    const seen: number[] = [];
    sweep = new SpreadSweep(
      100,
      () => items,
      (i) => seen.push(i),
      2
    );
    await new Promise((r) => setTimeout(r, 60));
    items.add(3);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.slice(0, 2)).toEqual([1, 2]);
    expect(seen).toContain(3);
  });
});
