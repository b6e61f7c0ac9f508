import fc from 'fast-check';
import type {RawRequest} from './raw-http.js';

// Generators of hostile HTTP requests: methods, targets, headers, cookies and bodies, random and
// mutated from valid ones. None of them carries a valid session cookie or a real password, so no
// fuzzed request may change an existing session.

const PATHS = [
  '/api/session',
  '/api/login',
  '/api/logout',
  '/api/trail',
  '/api/su',
  '/api/users',
  '/api/users?q=A',
  '/healthz',
  '/metrics',
  '/',
  '/moin-session.js',
  '/api/sync',
];

/** A request target: known routes, bent ones and random bytes. */
const target = (): fc.Arbitrary<string> =>
  fc.oneof(
    {weight: 4, arbitrary: fc.constantFrom(...PATHS)},
    fc
      .tuple(fc.constantFrom(...PATHS), fc.string({maxLength: 20}))
      .map(([p, q]) => `${p}?${encodeURIComponent(q)}`),
    fc.constantFrom(
      '/api/%ZZ',
      '/api/session?q=%',
      '//api//session',
      '/api/session/',
      '/API/SESSION',
      '/api/users?q=' + 'a'.repeat(5000),
      '/api/users?q=%00',
      '/../etc/passwd',
      '/%2e%2e/package.json',
      '*',
      'http://evil.example/api/session',
      '/' + 'x'.repeat(8000)
    ),
    fc.webPath(),
    // Printable ASCII without spaces: anything else the parser itself refuses, which is fine too.
    fc.stringMatching(/^\/[!-~]{0,40}$/)
  );

/** A cookie value that is never a live session's id: garbage, unknown ids, pending tokens. */
const cookieValue = (liveIds: readonly string[]): fc.Arbitrary<string> =>
  fc
    .oneof(
      fc.string({maxLength: 60}),
      fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      fc.stringMatching(/^p\.[A-Za-z0-9_-]{43}$/),
      // A live id with one character changed, cut short or lengthened.
      fc
        .tuple(
          fc.constantFrom(...liveIds),
          fc.nat({max: 42}),
          fc.constantFrom('A', 'z', '-', '_', '=')
        )
        .map(([id, i, c]) => id.slice(0, i) + c + id.slice(i + 1)),
      fc.constantFrom(...liveIds).map((id) => id.slice(0, 42)),
      fc.constantFrom(...liveIds).map((id) => id + 'A'),
      fc.constantFrom(...liveIds).map((id) => `"${id.slice(1)}"`),
      fc.constantFrom('', '""', 'p.', 'null', 'undefined', '%00', 'a'.repeat(5000))
    )
    .filter((v) => !liveIds.includes(v) && !liveIds.includes(v.replace(/^"|"$/g, '')));

/** A Cookie header built from fuzzed cookie values under our name and others. */
export const cookieHeader = (liveIds: readonly string[]): fc.Arbitrary<string> =>
  fc
    .tuple(
      fc.array(
        fc.tuple(
          fc.constantFrom(
            'MOIN_SESSION',
            'MOIN_SESSION',
            'moin_session',
            'MOIN_SESSION_x',
            'other',
            ''
          ),
          cookieValue(liveIds)
        ),
        {minLength: 1, maxLength: 6}
      ),
      fc.constantFrom('; ', ';', ',')
    )
    .map(([pairs, sep]) => pairs.map(([k, v]) => `${k}=${v}`).join(sep));

const json = (v: unknown) => Buffer.from(JSON.stringify(v) ?? 'null');

/** Bodies: valid shapes with hostile fields, random JSON, broken JSON, forms, bytes, huge. */
const body = (realPasswords: readonly string[]): fc.Arbitrary<Buffer> => {
  const password = fc.string({maxLength: 30}).filter((p) => !realPasswords.includes(p));
  const anyField = fc.oneof(fc.string({maxLength: 30}), fc.jsonValue({maxDepth: 2}));
  return fc.oneof(
    fc
      .record(
        {
          name: fc.oneof(fc.constantFrom('Alice', 'Admin', 'Bob', 'Carol', 'Root'), anyField),
          password: fc.oneof(password, fc.jsonValue({maxDepth: 1})),
          remember_me: fc.jsonValue({maxDepth: 1}),
        },
        {requiredKeys: []}
      )
      .map(json),
    fc
      .record(
        {page: fc.oneof(anyField, fc.string({unit: 'binary', maxLength: 600})), id: anyField},
        {requiredKeys: []}
      )
      .map(json),
    fc.jsonValue({maxDepth: 3}).map(json),
    fc.json({maxDepth: 3}).map((s) => Buffer.from(s.slice(0, Math.max(0, s.length - 1)))),
    fc
      .dictionary(fc.string({maxLength: 10}), fc.string({maxLength: 20}))
      .map((d) => Buffer.from(new URLSearchParams(d).toString())),
    fc.uint8Array({maxLength: 200}).map((a) => Buffer.from(a)),
    fc.constantFrom(
      Buffer.alloc(0),
      Buffer.from('{'),
      Buffer.from('{"page":"' + 'x'.repeat(20_000) + '"}'),
      Buffer.from('{"__proto__":{"page":"P"}}'),
      Buffer.from('{"page":"P","page":"\\u0000"}'),
      Buffer.from('\uFEFF{"page":"P"}')
    )
  );
};

const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/x-www-form-urlencoded',
    'text/plain',
    'multipart/form-data; boundary=x',
    'application/json; charset=latin1',
    'APPLICATION/JSON',
    ''
  ),
  fc.string({maxLength: 40})
);

/** Header values must be printable Latin-1 on the wire; other bytes are a parser test of their own. */
const headerSafe = (s: string) => s.replace(/[^\x20-\x7e]/g, '?');

/** One whole hostile request against a server whose own origin is `origin`. */
export const request = (
  origin: string,
  liveIds: readonly string[],
  realPasswords: readonly string[]
): fc.Arbitrary<RawRequest> =>
  fc
    .record({
      method: fc.constantFrom(
        'GET',
        'GET',
        'POST',
        'POST',
        'DELETE',
        'PUT',
        'PATCH',
        'OPTIONS',
        'HEAD',
        'TRACE',
        'FOO'
      ),
      target: target(),
      contentType: fc.option(contentType),
      origin: fc.option(
        fc.oneof(
          fc.constant(origin),
          fc.constantFrom(
            'null',
            'http://evil.example',
            origin + '.evil.example',
            origin + '/',
            'https://' + origin.slice(7)
          ),
          fc.string({maxLength: 30})
        )
      ),
      cookie: fc.option(cookieHeader(liveIds)),
      extra: fc.array(
        fc.tuple(
          fc.constantFrom(
            'X-Forwarded-For',
            'X-Forwarded-Proto',
            'Accept',
            'Transfer-Encoding',
            'Expect',
            'Access-Control-Request-Method',
            'X-Custom'
          ),
          fc.string({maxLength: 40})
        ),
        {maxLength: 3}
      ),
      body: body(realPasswords),
    })
    .map((r) => {
      const headers: [string, string][] = [];
      if (r.contentType !== null) headers.push(['Content-Type', headerSafe(r.contentType)]);
      if (r.origin !== null) headers.push(['Origin', headerSafe(r.origin)]);
      if (r.cookie !== null) headers.push(['Cookie', headerSafe(r.cookie)]);
      // Transfer-Encoding and Expect would change how the body is framed: the parser's own test.
      for (const [k, v] of r.extra)
        if (k !== 'Transfer-Encoding' && k !== 'Expect') headers.push([k, headerSafe(v)]);
      return {
        method: r.method,
        target: r.target,
        headers,
        body: r.method === 'GET' ? Buffer.alloc(0) : r.body,
      };
    });
