import {chmod, writeFile} from 'node:fs/promises';
import {HttpClient, parseSetCookie, type HttpResponse} from './http-client.js';
import type {TempDir} from './temp-dir.js';

/** The secret the back-end tests use (40 characters). */
export const SECRET = 'test-backend-secret-0123456789abcdefghij';

/** Writes a token file with this text and mode; returns its path. */
export async function writeTokenFile(
  dir: TempDir,
  text = `${SECRET}\n`,
  mode = 0o600
): Promise<string> {
  const file = dir.file(`backend-${Math.random().toString(36).slice(2)}.token`);
  await writeFile(file, text);
  await chmod(file, mode);
  return file;
}

/**
 * A wiki back end calling `/api/backend/*` on behalf of a browser: no Origin, the bearer secret,
 * the browser's Cookie forwarded as is, and the answer's Set-Cookie handed back to the browser.
 */
export class BackendClient {
  readonly #http: HttpClient;
  readonly #secret: string;

  constructor(url: string, secret = SECRET) {
    this.#http = new HttpClient(url);
    this.#secret = secret;
  }

  async call<T = unknown>(
    browser: HttpClient,
    method: 'GET' | 'POST',
    path: string,
    json?: unknown
  ): Promise<HttpResponse<T>> {
    const res = await this.#http.request<T>(method, path, {
      ...(json === undefined ? {} : {json}),
      origin: null,
      cookie: browser.cookieHeader() || null,
      headers: {authorization: `Bearer ${this.#secret}`},
    });
    forwardCookies(res, browser);
    return res;
  }
}

/** What the wiki does with the answer's Set-Cookie: the browser stores or drops the cookie. */
export function forwardCookies(res: HttpResponse, browser: HttpClient): void {
  for (const raw of res.setCookies) {
    const c = parseSetCookie(raw);
    const maxAge = c.attributes['max-age'];
    if (typeof maxAge === 'string' && Number(maxAge) <= 0) browser.cookies.delete(c.name);
    else browser.cookies.set(c.name, c.value);
  }
}
