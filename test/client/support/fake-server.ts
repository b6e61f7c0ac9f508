import {anonymousView, type SessionView} from '../../../shared/index.js';
import type {FetchLike} from '../../../client/connection/types.js';

/** One request the fake server saw. */
export interface SeenRequest {
  method: string;
  url: string;
  body: unknown;
  credentials: RequestCredentials | undefined;
}

type Handler = (req: SeenRequest) => Response | Promise<Response> | 'hang';

/** A JSON response as the API sends it. */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {'content-type': 'application/json'},
  });
}

/** A view with defaults: anonymous, not stored. */
export function view(over: Partial<SessionView> = {}): SessionView {
  return {...anonymousView(), ...over};
}

/** A stored session view of `name` with `trail`. */
export function userView(name: string, trail: string[] = [], rev = 1): SessionView {
  return view({
    user: {name},
    stored: true,
    trail,
    rev,
    expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
  });
}

/**
 * A fetch the test answers: `on('GET /session', …)` sets a handler (default: the current
 * `session` view); every request is recorded in `seen`. A handler returning 'hang' never answers
 * (until the request's signal aborts).
 */
export class FakeServer {
  session: SessionView = view();
  readonly seen: SeenRequest[] = [];
  readonly #handlers = new Map<string, Handler>();

  on(route: string, handler: Handler): this {
    this.#handlers.set(route, handler);
    return this;
  }

  requests(route: string): SeenRequest[] {
    const [method, path] = route.split(' ');
    return this.seen.filter((r) => r.method === method && new URL(r.url).pathname.endsWith(path!));
  }

  readonly fetch: FetchLike = async (input, init = {}) => {
    const req: SeenRequest = {
      method: init.method ?? 'GET',
      url: input,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
      credentials: init.credentials,
    };
    this.seen.push(req);
    const path = new URL(input).pathname;
    const handler = [...this.#handlers].find(([route]) => {
      const [method, suffix] = route.split(' ');
      return method === req.method && path.endsWith(suffix!);
    })?.[1];
    const answer = handler ? await handler(req) : json(this.session);
    if (answer === 'hang') {
      return new Promise<Response>((_, reject) => {
        init.signal?.addEventListener('abort', () =>
          reject(new DOMException('aborted', 'AbortError'))
        );
      });
    }
    return answer;
  };
}
