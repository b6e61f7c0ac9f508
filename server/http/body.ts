import type {IncomingMessage} from 'node:http';
import {MAX_BODY_BYTES, MoinError} from '../../shared/index.js';

/** A parsed request body: the fields of a JSON object or of a form, by name. */
export type Body = Readonly<Record<string, unknown>>;

const JSON_TYPE = /^application\/json\s*(;|$)/i;
const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(;|$)/i;
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)"?/i;
const utf8 = new TextDecoder('utf-8', {fatal: true});

/**
 * Reads and parses a request body: JSON (an object) or form-urlencoded, UTF-8, at most 16 KiB.
 * An empty body is `{}` whatever its type. Throws a {@link MoinError}: `unsupported_media_type`,
 * `body_too_large` (reading stops at once; the caller closes the connection), `bad_json` or
 * `bad_body`. Never throws anything else for client input.
 */
export async function readBody(req: IncomingMessage): Promise<Body> {
  const type = req.headers['content-type'] ?? '';
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > MAX_BODY_BYTES) {
    throw new MoinError('body_too_large');
  }
  const raw = await readRaw(req);
  if (raw.length === 0) return {};
  const isJson = JSON_TYPE.test(type);
  if (!isJson && !FORM_TYPE.test(type)) {
    throw new MoinError(
      'unsupported_media_type',
      type === ''
        ? 'The body has no Content-Type; send application/json or application/x-www-form-urlencoded.'
        : `The body is ${JSON.stringify(type.slice(0, 60))}; send application/json or application/x-www-form-urlencoded.`
    );
  }
  const charset = CHARSET.exec(type)?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new MoinError('unsupported_media_type', 'Only UTF-8 bodies are accepted.');
  }
  return isJson ? parseJson(raw) : parseForm(raw);
}

function readRaw(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        // Stop reading: a client streaming megabytes gets its 413 without us buffering them.
        cleanup();
        req.pause();
        reject(new MoinError('body_too_large'));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, size));
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new MoinError('bad_request', `The body could not be read (${err.message}).`));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function parseJson(raw: Buffer): Body {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new MoinError('bad_json', 'The body is not valid UTF-8.');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new MoinError('bad_json', `The body is not valid JSON (${(err as Error).message}).`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MoinError('bad_body', 'The body must be a JSON object.');
  }
  return value as Body;
}

function parseForm(raw: Buffer): Body {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new MoinError('bad_body', 'The form is not valid UTF-8.');
  }
  const out: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    if (Object.hasOwn(out, key)) {
      throw new MoinError('bad_body', `The field "${key.slice(0, 40)}" appears more than once.`);
    }
    out[key] = value;
  }
  return out;
}

/** Reads an optional or required string field; `bad_body` naming the field otherwise. */
export function stringField(body: Body, key: string, required: true): string;
export function stringField(body: Body, key: string, required: false): string | undefined;
export function stringField(body: Body, key: string, required: boolean): string | undefined {
  const v = Object.hasOwn(body, key) ? body[key] : undefined;
  if (v === undefined || v === null) {
    if (required) throw new MoinError('bad_body', `The field "${key}" is required.`);
    return undefined;
  }
  if (typeof v !== 'string') {
    throw new MoinError('bad_body', `The field "${key}" must be a string.`);
  }
  return v;
}

const TRUE_WORDS = new Set(['true', '1', 'on', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'off', 'no', '']);

/**
 * Reads an optional boolean field: JSON `true`/`false`, or in a form `true/1/on/yes` and
 * `false/0/off/no/""` (a checked checkbox sends "on"). Missing → `fallback`.
 */
export function booleanField(body: Body, key: string, fallback: boolean): boolean {
  const v = Object.hasOwn(body, key) ? body[key] : undefined;
  if (v === undefined || v === null) return fallback;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const w = v.trim().toLowerCase();
    if (TRUE_WORDS.has(w)) return true;
    if (FALSE_WORDS.has(w)) return false;
  }
  throw new MoinError('bad_body', `The field "${key}" must be true or false.`);
}
