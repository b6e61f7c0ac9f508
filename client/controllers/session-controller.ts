import type {ReactiveController, ReactiveControllerHost} from 'lit';
import {connectionFor, resolveEndpoint} from '../connection/registry.js';
import type {SessionConnection} from '../connection/session-connection.js';
import type {ConnectionState, ConnectionStatus} from '../connection/types.js';
import {emit} from '../events/emit.js';
import type {MoinSessionStatusDetail} from '../events/moin-session-status.js';

/** An element that shows session state: a Lit host with an `endpoint` property. */
export type SessionHost = ReactiveControllerHost & HTMLElement & {endpoint: string};

/**
 * Connects an element to its endpoint's shared {@link SessionConnection} while the element is in
 * the document: acquires it, re-renders the host on every change and fires
 * `moin-session-status` when the status changes. The socket lives in the connection, not here.
 */
export class SessionController implements ReactiveController {
  readonly #host: SessionHost;
  #connection: SessionConnection | null = null;
  #unsubscribe: (() => void) | null = null;
  #status: ConnectionStatus | null = null;

  constructor(host: SessionHost) {
    this.#host = host;
    host.addController(this);
  }

  /** The connection while the host is connected, else null. */
  get connection(): SessionConnection | null {
    return this.#connection;
  }

  /** Its state, or null while the host is not connected. */
  get state(): ConnectionState | null {
    return this.#connection?.state ?? null;
  }

  hostConnected(): void {
    this.#attach();
  }

  hostDisconnected(): void {
    this.#detach();
  }

  /** Call when the host's `endpoint` changed: moves to that endpoint's connection. */
  endpointChanged(): void {
    if (!this.#connection) return;
    if (this.#connection.endpoint === resolveEndpoint(this.#host.endpoint)) return;
    this.#detach();
    this.#attach();
  }

  #attach(): void {
    const connection = connectionFor(this.#host.endpoint);
    this.#connection = connection;
    connection.acquire();
    this.#unsubscribe = connection.subscribe(this.#changed);
    this.#changed();
  }

  #detach(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#connection?.release();
    this.#connection = null;
    this.#status = null;
  }

  readonly #changed = (): void => {
    const connection = this.#connection;
    if (!connection) return;
    this.#host.requestUpdate();
    const status = connection.state.status;
    if (status === this.#status) return;
    this.#status = status;
    emit<MoinSessionStatusDetail>(this.#host, 'moin-session-status', {
      endpoint: connection.endpoint,
      status,
    });
  };
}
