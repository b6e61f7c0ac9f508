import type {FetchLike} from './types.js';

/**
 * A refused or failed HTTP call. `code` is the server's stable error code (README, Error codes), or one of
 * the client's own: `network_error` (no answer, or no answer in time) and `bad_response` (an answer
 * that is not the API's JSON).
 */
export class SessionRequestError extends Error {
  override name = 'SessionRequestError' as const;
  readonly code: string;
  /** The HTTP status, or 0 when there was no answer. */
  readonly status: number;
  constructor(code: string, status: number, message: string) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/**
 * Calls the API with the browser's cookies (`credentials: 'include'`, so it works from another
 * origin listed in `allowed_origins`) and returns the parsed JSON body, or throws
 * {@link SessionRequestError}. With `check`, a body that fails it is a `bad_response` too.
 */
export async function requestJson<T>(
  fetchFn: FetchLike,
  url: string,
  timeoutMs: number,
  check: (data: unknown) => data is T,
  method = 'GET',
  body?: object
): Promise<T> {
  let status = 0;
  try {
    const res = await fetchFn(url, {
      method,
      credentials: 'include',
      signal: AbortSignal.timeout(timeoutMs),
      headers: body && {'content-type': 'application/json'},
      body: body && JSON.stringify(body),
    });
    status = res.status;
    const data = await res.json();
    if (res.ok && check(data)) return data;
    // A 200 that fails the check is as wrong as an error without the API's shape.
    const e = res.ok ? undefined : (data as {error?: {code?: string; message?: string}})?.error;
    throw new SessionRequestError(
      e?.code ?? 'bad_response',
      status,
      e?.message ?? `The session service answered ${status}.`
    );
  } catch (e) {
    if (e instanceof SessionRequestError) throw e;
    throw status
      ? new SessionRequestError('bad_response', status, `The session service answered ${status}.`)
      : new SessionRequestError('network_error', 0, 'The session service cannot be reached.');
  }
}
