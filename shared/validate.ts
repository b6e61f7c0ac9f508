import {MAX_FRAME_BYTES, OP_ID_PATTERN} from './constants.js';
import type {ErrorCode} from './errors.js';
import {validatePageName} from './page.js';
import type {ClientMessage, ServerMessage} from './protocol.js';
import type {SessionView} from './view.js';

/** A refused frame: the code and sentence for the error message, and the op id when known. */
export interface FrameProblem {
  ok: false;
  code: ErrorCode;
  message: string;
  id?: string;
}

/** The result of parsing a frame. */
export type Parsed<T> = {ok: true; message: T} | FrameProblem;

type Validator<T> = (m: Record<string, unknown>) => Parsed<T>;

const problem = (code: ErrorCode, message: string, id?: string): FrameProblem =>
  id === undefined ? {ok: false, code, message} : {ok: false, code, message, id};

// One validator per client message type: adding a type to ClientMessage without a validator here
// does not compile.
const CLIENT_VALIDATORS: {
  [K in ClientMessage['type']]: Validator<Extract<ClientMessage, {type: K}>>;
} = {
  visit(m) {
    const id = m['id'];
    if (typeof id !== 'string' || !OP_ID_PATTERN.test(id)) {
      return problem(
        'bad_message',
        'A visit needs an "id" of 1-64 characters from A-Z a-z 0-9 _ . : -.'
      );
    }
    const page = validatePageName(m['page']);
    if (!page.ok) return problem('invalid_page', page.message, id);
    return {ok: true, message: {type: 'visit', id, page: page.name}};
  },
  ping() {
    return {ok: true, message: {type: 'ping'}};
  },
};

/** Parses one text frame from a client. Never throws. */
export function parseClientMessage(text: string): Parsed<ClientMessage> {
  if (text.length > MAX_FRAME_BYTES)
    return problem('bad_message', 'The frame is larger than 4 KiB.');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return problem('bad_message', 'The frame is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return problem('bad_message', 'The frame must be a JSON object.');
  }
  const m = value as Record<string, unknown>;
  const type = m['type'];
  if (typeof type !== 'string' || !Object.hasOwn(CLIENT_VALIDATORS, type)) {
    return problem('bad_message', `Unknown message type ${JSON.stringify(type ?? null)}.`);
  }
  return (CLIENT_VALIDATORS[type as ClientMessage['type']] as Validator<ClientMessage>)(m);
}

/** True when a value has the shape of a {@link SessionView}. */
export function isSessionView(v: unknown): v is SessionView {
  if (typeof v !== 'object' || v === null) return false;
  const s = v as Record<string, unknown>;
  const userRef = (u: unknown) =>
    u === null ||
    (typeof u === 'object' && u !== null && typeof (u as {name?: unknown}).name === 'string');
  return (
    userRef(s['user']) &&
    userRef(s['realUser']) &&
    typeof s['superuser'] === 'boolean' &&
    Array.isArray(s['trail']) &&
    (s['trail'] as unknown[]).every((p) => typeof p === 'string') &&
    typeof s['stored'] === 'boolean' &&
    (s['expiresAt'] === null || typeof s['expiresAt'] === 'string') &&
    typeof s['rev'] === 'number'
  );
}

const SERVER_VALIDATORS: {[K in ServerMessage['type']]: (m: Record<string, unknown>) => boolean} = {
  session: (m) => isSessionView(m['session']),
  ack: (m) => typeof m['id'] === 'string',
  error: (m) => typeof m['code'] === 'string' && typeof m['message'] === 'string',
  pong: () => true,
};

/** Parses one text frame from the server (the client's side). Returns null for anything malformed. */
export function parseServerMessage(text: string): ServerMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, unknown>;
  const type = m['type'];
  if (typeof type !== 'string' || !Object.hasOwn(SERVER_VALIDATORS, type)) return null;
  return SERVER_VALIDATORS[type as ServerMessage['type']](m) ? (value as ServerMessage) : null;
}
