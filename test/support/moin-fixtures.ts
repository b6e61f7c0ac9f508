import {execFileSync, spawnSync} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';

// Password hashes made by the real algorithms, never by our own code: python3's crypt module
// (glibc crypt(3): sha512_crypt as passlib makes it, MD5-crypt, DES) and hashlib (SHA, SSHA), and
// `openssl passwd -apr1` (APR1). passlib itself is not installed on this machine; its
// sha512_crypt is glibc's algorithm with passlib's default 656,000 rounds.

/** The schemes of 1.9 and the command that makes each. */
export type Scheme = '{PASSLIB}' | '{SSHA}' | '{SHA}' | '{APR1}' | '{MD5}' | '{DES}';

const PYTHON = `
import sys, json, crypt, hashlib, base64, os
out = []
for scheme, pw, rounds in json.loads(sys.stdin.read()):
    b = pw.encode('utf-8')
    if scheme == '{PASSLIB}':
        h = crypt.crypt(pw, crypt.mksalt(crypt.METHOD_SHA512, rounds=rounds))
    elif scheme == '{SSHA}':
        salt = os.urandom(20)
        h = base64.b64encode(hashlib.sha1(b + salt).digest() + salt).decode()
    elif scheme == '{SHA}':
        h = base64.b64encode(hashlib.sha1(b).digest()).decode()
    elif scheme == '{MD5}':
        h = crypt.crypt(pw, crypt.mksalt(crypt.METHOD_MD5))
    elif scheme == '{DES}':
        h = crypt.crypt(pw, crypt.mksalt(crypt.METHOD_CRYPT))
    out.append(scheme + h)
print(json.dumps(out))
`;

/** `enc_password` values for [scheme, password] pairs ({APR1} from openssl, the rest python3). */
export function moinHashes(pairs: [Scheme, string][], passlibRounds = 5000): string[] {
  const py = spawnSync('python3', ['-W', 'ignore', '-c', PYTHON], {
    input: JSON.stringify(pairs.map(([s, p]) => [s, p, passlibRounds])),
    encoding: 'utf8',
  });
  if (py.error || py.status !== 0) {
    throw new Error(
      `python3 is needed to make 1.9 password fixtures: ${py.error?.message ?? py.stderr}`
    );
  }
  const made = JSON.parse(py.stdout) as string[];
  return pairs.map(([scheme, pw], i) =>
    scheme === '{APR1}'
      ? `{APR1}${execFileSync('openssl', ['passwd', '-apr1', pw], {encoding: 'utf8'}).trim()}`
      : made[i]!
  );
}

/** A 1.9 user id (`make_id()`: time, then a random number). */
export function moinId(n: number): string {
  return `${1700000000 + n}.${n % 100}.${n % 65536}`;
}

/** The text `User.save()` writes: a comment line, then sorted `key=value` lines. */
export function moinUserText(
  id: string,
  fields: {name: string; enc_password: string; disabled?: 0 | 1} & Record<string, string | number>
): string {
  const all: Record<string, string | number> = {
    aliasname: '',
    disabled: 0,
    email: `${fields.name.toLowerCase().replace(/\W/g, '')}@example.org`,
    'quicklinks[]': 'FrontPage\tRecentChanges',
    'bookmarks{}': 'default:1700000000',
    remember_me: 1,
    show_page_trail: 1,
    theme_name: 'modernized',
    tz_offset: 0,
    ...fields,
  };
  const lines = Object.keys(all)
    .sort()
    .map((k) => `${k}=${all[k]}`);
  return `# Data saved '2026-12-01 23:00:00' for id '${id}'\n${lines.join('\n')}\n`;
}

/** Writes one user file as the wiki does (in place, no temp file). */
export function writeMoinUser(dir: string, id: string, text: string): void {
  writeFileSync(join(dir, id), text, 'utf8');
}
