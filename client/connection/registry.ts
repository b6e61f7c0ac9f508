import {SessionConnection, type ConnectionOptions} from './session-connection.js';

const connections = new Map<string, SessionConnection>();

/** An endpoint attribute (absolute or relative to the page) as an absolute URL, no trailing slash. */
export function resolveEndpoint(endpoint: string | null | undefined): string {
  return new URL(endpoint || '/api', location.href).href.replace(/\/+$/, '');
}

/**
 * The page's one connection for an endpoint, created on first use (with `options`; later calls
 * get the existing one and their options are ignored). Every element naming the endpoint shares it.
 */
export function connectionFor(
  endpoint?: string | null,
  options?: ConnectionOptions
): SessionConnection {
  const key = resolveEndpoint(endpoint);
  let connection = connections.get(key);
  if (!connection) {
    connection = new SessionConnection(key, options);
    connections.set(key, connection);
  }
  return connection;
}

/** Disposes an endpoint's connection and forgets it (tests; pages never need this). */
export function forgetConnection(endpoint?: string | null): void {
  const key = resolveEndpoint(endpoint);
  connections.get(key)?.dispose();
  connections.delete(key);
}
