import type {IncomingMessage, ServerResponse} from 'node:http';

/** An HTTP method the router dispatches on. */
export type Method = 'GET' | 'HEAD' | 'POST' | 'DELETE' | 'OPTIONS';

/** What a route handler gets besides the request and response. */
interface RouteMatch {
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
  readonly #routes = new Map<
    string,
    {handlers: Partial<Record<Method, Handler>>; allow: string[]}
  >();

  /** Adds the handlers of one path. */
  add(path: string, handlers: Partial<Record<Exclude<Method, 'HEAD' | 'OPTIONS'>, Handler>>): this {
    const all = {...this.#routes.get(path)?.handlers, ...handlers};
    // The Allow list is worked out here, once, not for every request.
    const allow = Object.keys(all);
    if (all.GET) allow.push('HEAD');
    allow.push('OPTIONS');
    this.#routes.set(path, {handlers: all, allow});
    return this;
  }

  /** Finds what to do with a request. */
  match(method: string | undefined, url: string | undefined): Dispatch {
    const target = splitTarget(url);
    if (!target) return {kind: 'not_found'};
    const route = this.#routes.get(target.path);
    if (!route) return {kind: 'not_found'};
    const {handlers, allow} = route;
    if (method === 'OPTIONS') return {kind: 'options', allow: [...allow], match: target};
    const handler =
      handlers[method as Exclude<Method, 'OPTIONS'>] ??
      (method === 'HEAD' ? handlers.GET : undefined);
    if (!handler) return {kind: 'method_not_allowed', allow: [...allow], route: target.path};
    return {kind: 'found', handler, match: target};
  }
}

/** A split request target, which is also the handler's match: the query is parsed only when asked for. */
export class Target implements RouteMatch {
  readonly path: string;
  readonly #search: string;
  #query: URLSearchParams | undefined;

  constructor(path: string, search: string) {
    this.path = path;
    this.#search = search;
  }

  /** The query string's parameters. */
  get query(): URLSearchParams {
    return (this.#query ??= new URLSearchParams(this.#search));
  }

  /** The route's path (the metrics label): the path itself, routes are exact. */
  get route(): string {
    return this.path;
  }
}

/**
 * Splits a request target into path and query. Origin-form (`/path?q`) is the norm; absolute-form
 * (`http://host/path`, sent to proxies) is accepted too. Paths are compared undecoded.
 */
export function splitTarget(url: string | undefined): Target | null {
  if (!url) return null;
  if (!url.startsWith('/')) {
    try {
      const u = new URL(url);
      return new Target(u.pathname, u.search.slice(1));
    } catch {
      return null;
    }
  }
  const q = url.indexOf('?');
  return q < 0 ? new Target(url, '') : new Target(url.slice(0, q), url.slice(q + 1));
}
