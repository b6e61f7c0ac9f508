/** 1.9's user ids: `getUserList()` accepts only names like `1229693430.38.9318`. */
export const MOIN_USER_ID = /^\d+\.\d+(\.\d+)?$/;

/** A value of a 1.9 user file: plain, a `key[]=` list or a `key{}=` dict. */
type MoinValue = string | string[] | Record<string, string>;

/** What the session service reads from a `data/user/<id>` file. */
export interface MoinUserRecord {
  name: string;
  /** `{SCHEME}…`, or '' when the account has no password (1.9 then refuses every login). */
  encPassword: string;
  disabled: boolean;
  /** Every `key=value` line, decoded (informational; never written back). */
  fields: Record<string, MoinValue>;
}

const UTF8 = new TextDecoder('utf-8', {fatal: true});

/**
 * Parses a 1.9 user file (`User.save()`: a `#` comment line, then sorted `key=value` lines, lists as
 * `key[]=a<TAB>b`, dicts as `key{}=k:v<TAB>k2:v2`, utf-8). Returns null while the file is not whole:
 * 1.9 writes it in place, so a reader can see a prefix. Whole means valid utf-8, ending in a newline,
 * with a non-empty `name=` line (1.9 always writes one, after `disabled=` and `enc_password=`,
 * because keys are sorted). `only`: decode just these keys into `fields` (the start-up index needs
 * `name`, `enc_password` and `disabled` of 50,000 files; the rest is skipped unparsed).
 */
export function parseMoinUserFile(
  bytes: Uint8Array,
  only?: ReadonlySet<string>
): MoinUserRecord | null {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return null;
  }
  if (!text.endsWith('\n')) return null;
  const fields: Record<string, MoinValue> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue; // 1.9 skips lines it cannot split
    const key = line.slice(0, eq);
    const kind = key.endsWith('[]') ? 'list' : key.endsWith('{}') ? 'dict' : 'plain';
    const base = kind === 'plain' ? key : key.slice(0, -2);
    if (only && !only.has(base)) continue;
    const value = line.slice(eq + 1);
    if (kind === 'list') fields[base] = value === '' ? [] : value.split('\t');
    else if (kind === 'dict') fields[base] = decodeDict(value);
    else fields[key] = value;
  }
  const name = fields['name'];
  if (typeof name !== 'string' || name.trim() === '') return null;
  const enc = fields['enc_password'];
  const disabled = fields['disabled'];
  return {
    name: name.trim(),
    encPassword: typeof enc === 'string' ? enc : '',
    // 1.9 coerces checkbox fields with int(); anything but a whole number other than 0 is off.
    disabled:
      typeof disabled === 'string' && /^\s*-?\d+\s*$/.test(disabled) && Number(disabled) !== 0,
    fields,
  };
}

/** The keys {@link parseMoinUserFile} needs for a login: `parseMoinUserFile(bytes, LOGIN_KEYS)`. */
export const LOGIN_KEYS: ReadonlySet<string> = new Set(['name', 'enc_password', 'disabled']);

function decodeDict(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (value === '') return out;
  for (const item of value.split('\t')) {
    const colon = item.indexOf(':');
    if (colon >= 0) out[item.slice(0, colon)] = item.slice(colon + 1);
  }
  return out;
}
