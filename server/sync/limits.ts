/** Fixed numbers of the WebSocket hub (the configurable ones live in the config: visit_rate, …). */

/** The one path the hub upgrades; anything else gets 404. */
export const SYNC_PATH = '/api/sync';

/**
 * Above this many bytes waiting to be written to a socket, session pushes are no longer sent but
 * coalesced to the latest view, which goes out once the socket drains below it. 64 KiB holds a few
 * dozen full views: a reading client never notices it.
 */
export const SOFT_BUFFER_BYTES = 64 * 1024;

/**
 * A socket with more than this waiting (only small acks, errors and pongs can get it there, since
 * pushes stop at the soft limit) does not read what it asks for: it is closed with 1013.
 */
export const HARD_BUFFER_BYTES = 1024 * 1024;

/**
 * How long a closing handshake may take before the TCP socket is destroyed (ws defaults to 30 s). A
 * client that stopped reading would otherwise hold its buffers that long.
 */
export const CLOSE_TIMEOUT_MS = 5_000;

/** How long `close()` waits for clients to answer the 1001 close frame before cutting them off. */
export const SHUTDOWN_GRACE_MS = 2_000;
