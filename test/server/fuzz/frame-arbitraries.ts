import fc from 'fast-check';

// Generators of WebSocket text frames: fully random text, random JSON values, and valid frames
// mutated one field at a time (the inputs most likely to slip past a validator).

/** Strings that look like page names, including the awkward ones. */
const pageLike = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.string({maxLength: 40}),
    fc.string({unit: 'grapheme', maxLength: 40}),
    fc.string({unit: 'binary', maxLength: 40}),
    fc.constantFrom('', ' ', '\t', 'FrontPage', ' FrontPage ', 'a\u0000b', 'a\u0085b', '\u202eRTL'),
    fc.integer({min: 500, max: 530}).map((n) => 'p'.repeat(n)),
    fc.anything()
  );

/** Strings that look like op ids, valid and not. */
const opIdLike = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9_.:-]{1,64}$/),
    fc.string({maxLength: 70}),
    fc.constantFrom('', 'x'.repeat(65), 'a b', 'ok-1', '__proto__', 'constructor'),
    fc.anything()
  );

/** A valid visit frame with one field dropped, replaced, duplicated or added. */
export const mutatedVisit = (): fc.Arbitrary<string> =>
  fc
    .record({
      type: fc.oneof(fc.constant('visit'), fc.constant('ping'), fc.anything()),
      id: opIdLike(),
      page: pageLike(),
      extra: fc.dictionary(fc.string({maxLength: 8}), fc.jsonValue({maxDepth: 2}), {maxKeys: 3}),
    })
    .chain((v) =>
      fc.subarray(['type', 'id', 'page', 'extra'] as const).map((keep) => {
        const o: Record<string, unknown> = {};
        if (keep.includes('extra')) Object.assign(o, v.extra);
        if (keep.includes('type')) o['type'] = v.type;
        if (keep.includes('id')) o['id'] = v.id;
        if (keep.includes('page')) o['page'] = v.page;
        return JSON.stringify(o) ?? 'undefined';
      })
    );

/** Any text a hostile or broken client could send in a frame. */
export const frameText = (): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({maxLength: 200}),
    fc.string({unit: 'binary', maxLength: 200}),
    fc.json({maxDepth: 4}),
    fc.jsonValue({maxDepth: 3}).map((v) => JSON.stringify(v)),
    mutatedVisit(),
    // Valid JSON with a character flipped, cut short or doubled.
    mutatedVisit().chain((s) =>
      fc.nat({max: Math.max(0, s.length - 1)}).chain((i) =>
        fc.oneof(
          fc.constant(s.slice(0, i)),
          fc.string({minLength: 1, maxLength: 1}).map((c) => s.slice(0, i) + c + s.slice(i + 1)),
          fc.constant(s + s)
        )
      )
    ),
    fc.constantFrom('{"type":"__proto__"}', '{"type":"toString"}', '{"__proto__":{"type":"visit"}}')
  );
