/**
 * The Redis store URLs, parsed into what a client needs:
 * - `redis://[[USER]:PASSWORD@]HOST:PORT[/DB]`, `rediss://…` (TLS): one Redis;
 * - `redis+sentinel://[[USER]:PASSWORD@]HOST:PORT[,HOST:PORT…]/MASTER_NAME[/DB]`,
 *   `rediss+sentinel://…`: ask these Sentinels for the master called MASTER_NAME and follow it
 *   through failovers (the password and TLS are the data nodes'; the Sentinels are asked in clear
 *   text without a password unless TLS is on, as Sentinels normally are);
 * - `redis+cluster://[[USER]:PASSWORD@]HOST:PORT[,HOST:PORT…]`, `rediss+cluster://…`: seed nodes
 *   of a Redis Cluster (database 0 only, as Cluster has no others).
 */
export interface RedisTarget {
  mode: 'single' | 'sentinel' | 'cluster';
  nodes: {host: string; port: number}[];
  /** The Sentinel master name (sentinel mode). */
  masterName?: string;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
}

const URL_SHAPE =
  /^(rediss?)(?:\+(sentinel|cluster))?:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/@]+)(?:\/([^/]+))?(?:\/(\d+))?$/;

/** Parses a store URL; throws an Error naming what is wrong. */
export function parseRedisUrl(url: string): RedisTarget {
  const m = URL_SHAPE.exec(url);
  if (!m) throw new Error(`not a Redis store URL: "${redactUrl(url)}"`);
  const [, scheme, kind, user, pass, hosts = '', first, second] = m;
  const mode = (kind ?? 'single') as RedisTarget['mode'];
  const nodes = hosts.split(',').map((hp) => {
    const at = hp.lastIndexOf(':');
    const host = (at > 0 ? hp.slice(0, at) : hp).replace(/^\[(.*)\]$/, '$1');
    const port = at > 0 ? Number(hp.slice(at + 1)) : mode === 'sentinel' ? 26379 : 6379;
    if (!host || !Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`bad HOST:PORT "${hp}" in a Redis store URL`);
    }
    return {host, port};
  });
  let masterName: string | undefined;
  let dbText: string | undefined;
  if (mode === 'sentinel') {
    if (!first) throw new Error('a redis+sentinel:// URL needs /MASTER_NAME after the hosts');
    masterName = decodeURIComponent(first);
    dbText = second;
  } else {
    if (second !== undefined || (first !== undefined && !/^\d+$/.test(first))) {
      throw new Error(`bad database in a Redis store URL: "${redactUrl(url)}"`);
    }
    dbText = first;
    if (mode === 'single' && nodes.length !== 1) {
      throw new Error(
        'a redis:// URL names one HOST:PORT (use redis+sentinel:// or redis+cluster://)'
      );
    }
  }
  const db = dbText === undefined ? 0 : Number(dbText);
  if (mode === 'cluster' && db !== 0) throw new Error('Redis Cluster has only database 0');
  return {
    mode,
    nodes,
    ...(masterName !== undefined ? {masterName} : {}),
    db,
    ...(user ? {username: decodeURIComponent(user)} : {}),
    ...(pass ? {password: decodeURIComponent(pass)} : {}),
    tls: scheme === 'rediss',
  };
}

/** The URL with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^([^:]+:\/\/[^:@/]*:)[^@/]*@/, '$1***@');
}
