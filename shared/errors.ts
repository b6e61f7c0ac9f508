/**
 * Every error code the service emits, with its HTTP status and a default sentence.
 * Codes are stable: never rename or reuse a retired one. The README lists them all.
 */
export const ERROR_CODES = {
  bad_request: {status: 400, message: 'The request is malformed.'},
  bad_json: {status: 400, message: 'The body is not valid JSON.'},
  bad_body: {status: 400, message: 'The body has the wrong shape.'},
  invalid_page: {
    status: 400,
    message: 'The page name is empty, too long or holds control characters.',
  },
  invalid_credentials: {status: 401, message: 'Invalid username or password.'},
  not_logged_in: {status: 401, message: 'You must be logged in to do that.'},
  bad_origin: {status: 403, message: 'The request comes from an origin that is not allowed.'},
  not_superuser: {status: 403, message: 'Only superusers may do that.'},
  target_is_superuser: {status: 403, message: 'You cannot act as another superuser.'},
  not_found: {status: 404, message: 'There is nothing at this address.'},
  unknown_user: {status: 404, message: 'There is no active user with that name.'},
  method_not_allowed: {status: 405, message: 'This method is not allowed here.'},
  already_switched: {status: 409, message: 'You are already acting as another user; return first.'},
  not_switched: {status: 409, message: 'You are not acting as another user.'},
  body_too_large: {status: 413, message: 'The body is larger than 16 KiB.'},
  unsupported_media_type: {status: 415, message: 'Send JSON or form-urlencoded bodies.'},
  too_many_attempts: {status: 429, message: 'Too many failed logins; wait and try again.'},
  rate_limited: {status: 429, message: 'Too many requests; slow down.'},
  internal_error: {status: 500, message: 'Something went wrong on the server.'},
  not_built: {status: 503, message: 'The client bundle is not built; run `npm run build`.'},
  store_unavailable: {status: 503, message: 'The session store is unreachable; try again shortly.'},
  login_busy: {status: 503, message: 'Too many logins are being checked; try again in a moment.'},
  // WebSocket-only codes (sent in error frames).
  bad_message: {status: 400, message: 'The frame is not a valid message.'},
  no_session: {status: 401, message: 'There is no stored session to record this in.'},
  too_many_sockets: {status: 429, message: 'This session has too many open sockets.'},
  // issue 14: the back-end API (/api/backend/*).
  bad_token: {
    status: 401,
    message: 'The back-end API needs the right Authorization: Bearer secret.',
  },
  data_too_large: {status: 413, message: 'The session values would be larger than 64 KiB.'},
  // issue 10b: upgrade refusals that protect the process's file descriptors.
  address_sockets_full: {
    status: 429,
    message: 'This address has too many open sockets; close some and try again.',
  },
  sockets_full: {
    status: 503,
    message: 'The server holds as many sockets as it can; try again later.',
  },
} as const satisfies Record<string, {status: number; message: string}>;

/** A stable error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The JSON body of every HTTP error. */
export interface ErrorBody {
  error: {code: ErrorCode; message: string};
}

/**
 * An error that carries a stable code, an HTTP status and a sentence for humans.
 * Check with {@link isMoinError}, which also works across realms.
 */
export class MoinError extends Error {
  override name = 'MoinError' as const;
  readonly code: ErrorCode;
  readonly status: number;
  constructor(code: ErrorCode, message: string = ERROR_CODES[code].message) {
    super(message);
    this.code = code;
    this.status = ERROR_CODES[code].status;
  }
  toBody(): ErrorBody {
    return {error: {code: this.code, message: this.message}};
  }
}

/** True for a {@link MoinError}, checked by name as well as by class. */
export function isMoinError(value: unknown): value is MoinError {
  return (
    value instanceof MoinError ||
    (typeof value === 'object' &&
      value !== null &&
      (value as {name?: unknown}).name === 'MoinError')
  );
}
