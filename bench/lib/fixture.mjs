// What every session target holds: one logged-in user with a full trail (trail_size 5).

/** The logged-in user of every benchmark session. */
export const BENCH_USER = 'BenchUser';

/** Its password (moin-session's user directory only). */
export const BENCH_PASSWORD = 'bench-password-1';

/** The trail every session target carries, oldest first. */
export const BENCH_PAGES = ['FrontPage', 'HelpIndex', 'RecentChanges', 'SandBox', 'WikiSandBox'];
