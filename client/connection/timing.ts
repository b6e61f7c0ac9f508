/** Every delay the connection uses, in milliseconds. All can be changed per connection. */
export interface Timing {
  /** First reconnect delay; doubles per failure, ±50 % jitter. @default 1000 */
  minDelayMs: number;
  /** Reconnect cap while the server is unreachable. @default 5000 */
  maxDelayMs: number;
  /** Reconnect cap while the server answers but refuses (bad answer, upgrade refused) or the browser is offline. @default 30000 */
  refusedMaxDelayMs: number;
  /** Send an app-level ping after this long without a frame. @default 10000 */
  pingAfterMs: number;
  /** Treat the socket as dead after this long without a frame. @default 30000 */
  deadAfterMs: number;
  /** Give up on an HTTP request after this long. @default 10000 */
  requestTimeoutMs: number;
  /** The cookie is refreshed halfway to its expiry, but never sooner than this. @default 10000 */
  minRefreshMs: number;
  /** How long visits of an anonymous session wait for the login that carries them. @default 10000 */
  carryMs: number;
  /** Socket rebinds allowed per {@link rebindWindowMs} before the connection stops forcing them. @default 5 */
  maxRebinds: number;
  /** The window {@link maxRebinds} counts in. @default 60000 */
  rebindWindowMs: number;
}

/** The defaults (Logux's reconnect and ping numbers; see docs/client.md). */
export const DEFAULT_TIMING: Readonly<Timing> = {
  minDelayMs: 1000,
  maxDelayMs: 5000,
  refusedMaxDelayMs: 30_000,
  pingAfterMs: 10_000,
  deadAfterMs: 30_000,
  requestTimeoutMs: 10_000,
  minRefreshMs: 10_000,
  carryMs: 10_000,
  maxRebinds: 5,
  rebindWindowMs: 60_000,
};

/** Doublings past this add nothing: every cap is reached long before. */
const MAX_DOUBLINGS = 30;

/**
 * The wait before reconnect attempt `attempt` (0-based): `min * 2^attempt`, times a random factor
 * in [0.5, 1.5), then capped.
 */
export function backoffDelay(
  attempt: number,
  minMs: number,
  capMs: number,
  random: () => number = Math.random
): number {
  return Math.round(
    Math.min(capMs, minMs * 2 ** Math.min(attempt, MAX_DOUBLINGS) * (0.5 + random()))
  );
}
