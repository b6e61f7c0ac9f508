import type {IncomingMessage, ServerResponse} from 'node:http';

/** An HTTP method the router dispatches on. */
export type Method = 'GET' | 'HEAD' | 'POST' | 'DELETE' | 'OPTIONS';

/** What a route handler gets besides the request and response. */
export interface RouteMatch {
  /** The route's path (also its metrics label). */
  route: string;
  /** The query string's parameters. */
  query: URLSearchParams;
}

/** A route handler. */
export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  match: RouteMatch
) => Promise<void> | void;

/** The outcome of {@link Router.match}. */
export type Dispatch =
  | {kind: 'found'; handler: Handler; match: RouteMatch}
  | {kind: 'options'; allow: string[]; match: RouteMatch}
  | {kind: 'not_found'}
  | {kind: 'method_not_allowed'; allow: string[]; route: string};

/**
 * A small exact-path router: each path has handlers per method. HEAD falls back to GET (Node leaves
 * the body out), OPTIONS is answered for every known path (the caller adds CORS), unknown paths are
 * `not_found` and known paths with another method `method_not_allowed` with the `Allow` list.
 */
export class Router {
  readonly #routes = new Map<string, Partial<Record<Method, Handler>>>();

  /** Adds the handlers of one path. */
  add(path: string, handlers: Partial<Record<Exclude<Method, 'HEAD' | 'OPTIONS'>, Handler>>): this {
    this.#routes.set(path, {...this.#routes.get(path), ...handlers});
    return this;
  }

  /** The methods a path answers, for `Allow`. */
  allowed(path: string): string[] {
    const handlers = this.#routes.get(path);
    if (!handlers) return [];
    const methods = Object.keys(handlers);
    if (handlers.GET) methods.push('HEAD');
    methods.push('OPTIONS');
    return methods;
  }

  /** Finds what to do with a request. */
  match(method: string | undefined, url: string | undefined): Dispatch {
    const target = splitTarget(url);
    if (!target) return {kind: 'not_found'};
    const handlers = this.#routes.get(target.path);
    if (!handlers) return {kind: 'not_found'};
    const match: RouteMatch = {route: target.path, query: target.query};
    const allow = this.allowed(target.path);
    if (method === 'OPTIONS') return {kind: 'options', allow, match};
    const handler =
      handlers[method as Exclude<Method, 'OPTIONS'>] ??
      (method === 'HEAD' ? handlers.GET : undefined);
    if (!handler) return {kind: 'method_not_allowed', allow, route: target.path};
    return {kind: 'found', handler, match};
  }
}

/**
 * Splits a request target into path and query. Origin-form (`/path?q`) is the norm; absolute-form
 * (`http://host/path`, sent to proxies) is accepted too. Paths are compared undecoded.
 */
export function splitTarget(
  url: string | undefined
): {path: string; query: URLSearchParams} | null {
  if (!url) return null;
  if (!url.startsWith('/')) {
    try {
      const u = new URL(url);
      return {path: u.pathname, query: u.searchParams};
    } catch {
      return null;
    }
  }
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  return {path, query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1))};
}
