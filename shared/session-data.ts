/**
 * Limits of the extension values (`req.session` in Node, `POST /api/backend/session/data` for other
 * back ends): the same for both, checked before anything is saved.
 */

/** The longest key, in characters. */
export const MAX_SESSION_KEY_LENGTH = 200;

/** The most one session's values may take, as UTF-8 JSON of the whole `{key: value}` object. */
export const MAX_SESSION_DATA_BYTES = 64 * 1024;

/** The UTF-8 length of a string, without any Node or DOM API. */
function utf8Length(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * The bytes one `"key":value` member adds to the values' JSON object (without the comma between
 * members): {@link sessionDataBytes} is `2 + the members' bytes + (members - 1)`, so a running
 * total can be kept per member instead of serialising the whole object on every change.
 */
export function sessionEntryBytes(key: string, value: unknown): number {
  return utf8Length(JSON.stringify(key)) + 1 + utf8Length(JSON.stringify(value));
}

/** The size the limit counts: the UTF-8 bytes of the values as one JSON object. */
export function sessionDataBytes(data: Readonly<Record<string, unknown>>): number {
  return utf8Length(JSON.stringify(data));
}

/** A sentence saying why a key may not be used, or null when it may. */
export function sessionKeyProblem(key: unknown): string | null {
  if (typeof key !== 'string' || key === '') return 'keys must be non-empty strings';
  if (key.length > MAX_SESSION_KEY_LENGTH) {
    return `keys are at most ${MAX_SESSION_KEY_LENGTH} characters`;
  }
  return null;
}
