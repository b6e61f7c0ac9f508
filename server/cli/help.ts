/** `moin-session --help`. */
export const USAGE = `moin-session: MoinMoin-style sessions, page trail and change user as a service

Usage:
  moin-session serve [--config FILE] [--port N] [--host H] [--log-level L] [--demo]
  moin-session users add|passwd NAME [--config FILE]      password: one line on stdin, or a prompt
  moin-session users remove|disable|enable NAME [--config FILE]
  moin-session users list [--config FILE] [--demo]
  moin-session sessions list [--user NAME] [--config FILE]
  moin-session sessions revoke --user NAME [--config FILE]
  moin-session sessions purge [--config FILE]
  moin-session audit [--config FILE]
  moin-session assets --out DIR                             the client bundle, for self-hosting
  moin-session --help | --version

Exit codes: 0 done, 1 the operation failed, 2 bad arguments or configuration.
`;

/** Per-command help. */
export const COMMAND_HELP: Record<string, string> = {
  serve: `moin-session serve [--config FILE] [--port N] [--host H] [--log-level L] [--demo]

Starts the HTTP API, the WebSocket, the demo page and the client bundle. Prints
"moin-session listening on http://HOST:PORT" when ready (--port 0 takes a free port).
SIGTERM or SIGINT: stop accepting, finish requests, close sockets (1001), exit 0.
--demo: demo defaults (superuser Admin, cookie_lifetime [1, 12]) and, when the users file
does not exist, the users Admin/admin, Alice/alice and Bob/bob; prints the logins and
readable log lines instead of JSON.
`,
  users: `moin-session users add NAME | passwd NAME | remove NAME | disable NAME | enable NAME | list
  [--config FILE] [--demo]

Edits the users file (users_file). add and passwd read the password as one line from stdin
when it is not a terminal, else they prompt twice. passwd also ends the user's sessions.
A running server notices the changes at its next request.
--demo: the demo defaults, as for serve --demo (list then shows Admin as superuser).
`,
  sessions: `moin-session sessions list [--user NAME] | revoke --user NAME | purge  [--config FILE]

list: live sessions (a short reference, never the id), optionally of one user.
revoke: ends every session of a user; a running server sees it at the next request.
purge: removes expired sessions.
`,
  audit: `moin-session audit [--config FILE]

Prints the change-user log, oldest first: time, action, actor → target, address.
`,
  assets: `moin-session assets --out DIR

Writes the client bundle into DIR (a wiki's static folder, e.g. MoinMoin's htdocs), so the
elements load even while the session service is unreachable: the hashed module
moin-session.<hash>.js (with .map, .br, .gz) and, last, the stable entry moin-session.js
that pages load with <script type="module" src=".../moin-session.js">. Serve the hashed
module with Cache-Control: public, max-age=31536000, immutable and the entry with a short
max-age. Modules of earlier releases in DIR are kept (pages may still hold an older entry).
Prints the files written. Needs \`npm run build\` first.
`,
};
