import type {ServerMessage, SessionView} from '../../../shared/index.js';

/**
 * A WebSocket the test drives: every instance is kept in `FakeSocket.all`; `open()`, `receive()`,
 * `receiveRaw()` and `drop()` play the server, `sent` holds what the client sent (parsed).
 */
export class FakeSocket {
  static all: FakeSocket[] = [];
  static reset(): void {
    FakeSocket.all = [];
  }
  static get last(): FakeSocket {
    const s = FakeSocket.all[FakeSocket.all.length - 1];
    if (!s) throw new Error('no socket was opened');
    return s;
  }

  readonly url: string;
  readyState = 0;
  readonly sent: {type: string; id?: string; page?: string}[] = [];
  onmessage: ((e: MessageEvent) => void) | null = null;
  onclose: ((e: CloseEvent) => void) | null = null;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  /** Called on every send, before it is recorded (tests check what was stored by then). */
  onsend: ((frame: {type: string; id?: string; page?: string}) => void) | null = null;

  constructor(url: string) {
    this.url = url;
    FakeSocket.all.push(this);
  }

  open(): this {
    this.readyState = 1;
    this.onopen?.();
    return this;
  }

  /** Opens if needed and sends a server message. */
  receive(message: ServerMessage): this {
    if (this.readyState === 0) this.open();
    this.onmessage?.(new MessageEvent('message', {data: JSON.stringify(message)}));
    return this;
  }

  session(view: SessionView): this {
    return this.receive({type: 'session', session: view});
  }

  receiveRaw(data: string): this {
    if (this.readyState === 0) this.open();
    this.onmessage?.(new MessageEvent('message', {data}));
    return this;
  }

  /** The server closes (or the connection breaks). */
  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.(new CloseEvent('close', {code}));
  }

  send(text: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    const frame = JSON.parse(text) as {type: string; id?: string; page?: string};
    this.onsend?.(frame);
    this.sent.push(frame);
  }

  close(): void {
    this.readyState = 3;
  }

  visits(): {id: string; page: string}[] {
    return this.sent.filter((f) => f.type === 'visit') as {id: string; page: string}[];
  }
}
