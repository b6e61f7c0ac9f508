import {request as httpRequest, type IncomingHttpHeaders} from 'node:http';
import {connect} from 'node:net';

/** One answer as the tests see it. */
export interface HttpResponse<T = unknown> {
  status: number;
  headers: IncomingHttpHeaders;
  /** Every Set-Cookie header, raw. */
  setCookies: string[];
  text: string;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json: T;
}

/** Options of one request. */
export interface RequestOptions {
  /** A JSON body (sets Content-Type: application/json). */
  json?: unknown;
  /** A form body (sets Content-Type: application/x-www-form-urlencoded). */
  form?: Record<string, string>;
  /** A raw body; set Content-Type yourself in `headers`. */
  body?: string | Buffer;
  headers?: Record<string, string>;
  /**
   * The Cookie header to send instead of the jar's (`null`: none). Answers still update the jar.
   */
  cookie?: string | null;
  /**
   * The Origin header. Default: the client's own origin on POST/DELETE (as a browser sends it),
   * none on GET. `null`: never send one.
   */
  origin?: string | null;
}

/** One parsed Set-Cookie header. */
export interface SetCookie {
  name: string;
  value: string;
  /** Attribute names in lower case; flags have the value `true`. */
  attributes: Record<string, string | true>;
}

/** Parses a Set-Cookie header. */
export function parseSetCookie(header: string): SetCookie {
  const [pair = '', ...attrs] = header.split(';');
  const eq = pair.indexOf('=');
  const attributes: Record<string, string | true> = {};
  for (const a of attrs) {
    const i = a.indexOf('=');
    if (i < 0) attributes[a.trim().toLowerCase()] = true;
    else attributes[a.slice(0, i).trim().toLowerCase()] = a.slice(i + 1).trim();
  }
  return {name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes};
}

/**
 * A small cookie-carrying HTTP client for tests, on node:http (any header may be sent, including
 * Origin and odd cookies). Like a browser it keeps the cookies the server sets (ignoring Path and
 * Domain), drops those set with `Max-Age=0`, and sends its own origin on POST and DELETE.
 *
 * ```ts
 * const c = new HttpClient(url);
 * await c.post('/api/login', {name: 'Alice', password: 'a'});
 * const {json} = await c.get<SessionView>('/api/session');
 * ```
 */
export class HttpClient {
  readonly baseUrl: string;
  readonly origin: string;
  /** The cookie jar: name → value. */
  readonly cookies = new Map<string, string>();

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
    this.origin = new URL(this.baseUrl).origin;
  }

  /** The Cookie header the jar would send. */
  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  get<T = unknown>(path: string, options: RequestOptions = {}): Promise<HttpResponse<T>> {
    return this.request<T>('GET', path, options);
  }

  /** POST with a JSON body (pass `undefined` for none). */
  post<T = unknown>(
    path: string,
    json?: unknown,
    options: RequestOptions = {}
  ): Promise<HttpResponse<T>> {
    return this.request<T>('POST', path, json === undefined ? options : {...options, json});
  }

  delete<T = unknown>(path: string, options: RequestOptions = {}): Promise<HttpResponse<T>> {
    return this.request<T>('DELETE', path, options);
  }

  request<T = unknown>(
    method: string,
    path: string,
    options: RequestOptions = {}
  ): Promise<HttpResponse<T>> {
    const headers: Record<string, string> = {};
    let body: string | Buffer | undefined = options.body;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    } else if (options.form !== undefined) {
      body = new URLSearchParams(options.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const origin =
      options.origin === undefined
        ? method === 'POST' || method === 'DELETE'
          ? this.origin
          : null
        : options.origin;
    if (origin !== null) headers['origin'] = origin;
    const cookie = options.cookie === undefined ? this.cookieHeader() : options.cookie;
    if (cookie) headers['cookie'] = cookie;
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    Object.assign(headers, options.headers);
    return new Promise((resolve, reject) => {
      const req = httpRequest(`${this.baseUrl}${path}`, {method, headers, agent: false}, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const setCookies = res.headers['set-cookie'] ?? [];
          for (const sc of setCookies) this.#apply(parseSetCookie(sc));
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            setCookies,
            text,
            json: json as T,
          });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  #apply(c: SetCookie): void {
    const maxAge = c.attributes['max-age'];
    if (typeof maxAge === 'string' && Number(maxAge) <= 0) this.cookies.delete(c.name);
    else this.cookies.set(c.name, c.value);
  }
}

/**
 * Sends raw bytes over a fresh TCP connection and resolves with everything the server answers
 * until it closes or `idleMs` pass without data (for bytes node:http refuses to send).
 */
export function rawRequest(url: string, bytes: Buffer | string, idleMs = 500): Promise<string> {
  const {hostname, port} = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    let timer = setTimeout(() => socket.end(), idleMs);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      clearTimeout(timer);
      timer = setTimeout(() => socket.end(), idleMs);
    });
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    socket.write(bytes);
  });
}

/** How many responses came with each status: `{401: 5, 429: 55}`. */
export function statusCounts(responses: readonly HttpResponse[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const r of responses) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}
