import type {ErrorCode} from './errors.js';
import type {SessionView} from './view.js';

/** client → server: record a visit; acked once durably stored. */
export interface VisitMessage {
  type: 'visit';
  /** 1-64 characters from `[A-Za-z0-9_.:-]`, unique per client. */
  id: string;
  page: string;
}

/** client → server: application-level liveness probe (browsers cannot see protocol pings). */
export interface PingMessage {
  type: 'ping';
}

/** Every message a client may send. */
export type ClientMessage = VisitMessage | PingMessage;

/** server → client: the session view, on open and after every change. */
export interface SessionMessage {
  type: 'session';
  session: SessionView;
}

/** server → sender: the visit with this op id is durably stored (or was already). */
export interface AckMessage {
  type: 'ack';
  id: string;
}

/** server → client: a frame was refused. */
export interface ErrorMessage {
  type: 'error';
  id?: string;
  code: ErrorCode;
  message: string;
}

/** server → client: answer to {@link PingMessage}. */
export interface PongMessage {
  type: 'pong';
}

/** Every message the server may send. */
export type ServerMessage = SessionMessage | AckMessage | ErrorMessage | PongMessage;

/** WebSocket close codes the server uses. */
export const CLOSE_CODES = {
  goingAway: 1001,
  policy: 1008,
  tooBig: 1009,
  internalError: 1011,
  tryAgainLater: 1013,
} as const;
