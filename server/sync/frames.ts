import {anonymousView, type ServerMessage, type SessionView} from '../../shared/index.js';

/** A server message as one text frame. */
export const frame = (m: ServerMessage): string => JSON.stringify(m);

/**
 * A session push as UTF-8 bytes: a push goes to every socket of a session, so it is encoded once,
 * not once per socket.
 */
export const sessionFrame = (view: SessionView): Buffer =>
  Buffer.from(frame({type: 'session', session: view}));

/** The push every socket gets when its session is gone, or when it never had one. */
export const ANONYMOUS_FRAME = sessionFrame(anonymousView());

/** The answer to an application-level ping. */
export const PONG_FRAME = frame({type: 'pong'});
