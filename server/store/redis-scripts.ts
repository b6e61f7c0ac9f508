/**
 * The Lua scripts of the Redis store. They hold no session semantics (that is applyOp in ops.ts,
 * run in Node); they only make each write and its index updates one atomic step, and `cas` makes a
 * read-apply-write safe across instances (compare-and-set on the exact stored value).
 *
 * Layout under the prefix P (ARGV[1] of every script):
 * - `P s:<key>`   string, the session record as JSON, expiring at its expiresAt (PXAT)
 * - `P x`         sorted set of every stored key, score = expiresAt (purge, list)
 * - `P u:<user>`  sorted set of one real user's keys, score = expiresAt (revoke, list --user)
 * - `P o`         hash key → user for logged-in sessions (to clean `u:` after Redis dropped a key)
 * - `P audit`     list of audit entries as JSON, oldest first
 * - `P changes`   the pub/sub channel; revocations and purges publish the key from inside the script
 *
 * Index keys are computed inside the scripts, so this layout needs one Redis (or a primary with
 * replicas), not Redis Cluster.
 */

// Shared helpers: remove a key from every index; add it with its expiry (and owner).
const PRELUDE = `
local P = ARGV[1]
local function unindex(key)
  redis.call('ZREM', P .. 'x', key)
  local owner = redis.call('HGET', P .. 'o', key)
  if owner then
    redis.call('ZREM', P .. 'u:' .. owner, key)
    redis.call('HDEL', P .. 'o', key)
  end
end
-- issue 10b: the end record of a change of user in a record about to be deleted.
local function endSu(key, action, at)
  local v = redis.call('GET', P .. 's:' .. key)
  if not v then return end
  local ok, r = pcall(cjson.decode, v)
  if ok and type(r) == 'table' and type(r.suTarget) == 'string' and type(r.user) == 'string' then
    local method = nil
    if type(r.loginMethod) == 'string' then method = r.loginMethod end
    redis.call('RPUSH', P .. 'audit', cjson.encode({at = tonumber(at), action = action,
      actor = r.user, target = r.suTarget, address = '', session = string.sub(key, 1, 12),
      method = method}))
  end
end
local function reindex(key, exp)
  redis.call('ZADD', P .. 'x', exp, key)
  local owner = redis.call('HGET', P .. 'o', key)
  if owner then redis.call('ZADD', P .. 'u:' .. owner, exp, key) end
end
`;

/** ARGV: P, key, json, expiresAt, user ('' = anonymous), oldKey ('' = none). Returns 1. */
export const INSERT = `${PRELUDE}
local key, exp, user, old = ARGV[2], ARGV[4], ARGV[5], ARGV[6]
if old ~= '' then
  redis.call('DEL', P .. 's:' .. old)
  unindex(old)
end
redis.call('SET', P .. 's:' .. key, ARGV[3], 'PXAT', exp)
if user ~= '' then redis.call('HSET', P .. 'o', key, user) end
reindex(key, exp)
return 1
`;

/**
 * ARGV: P, key, expected json, new json, expiresAt, '1' when the expiry moved.
 * Writes only when the stored value is still exactly what the caller read: 1 written, -1 gone, or
 * on a conflict the value stored now (apply the op to it and try again, without another read).
 */
export const CAS = `${PRELUDE}
local k = P .. 's:' .. ARGV[2]
local cur = redis.call('GET', k)
if not cur then return -1 end
if cur ~= ARGV[3] then return cur end
redis.call('SET', k, ARGV[4], 'PXAT', ARGV[5])
if ARGV[6] == '1' then reindex(ARGV[2], ARGV[5]) end
return 1
`;

/** ARGV: P, key. Returns 1 when a record existed. */
export const DESTROY = `${PRELUDE}
local n = redis.call('DEL', P .. 's:' .. ARGV[2])
unindex(ARGV[2])
return n
`;

/**
 * ARGV: P, user, end action, now. Destroys the user's sessions (a change of user in one gets its
 * end record), publishes each key, returns the keys that existed.
 */
export const REVOKE_USER = `${PRELUDE}
local idx = P .. 'u:' .. ARGV[2]
local keys = redis.call('ZRANGE', idx, 0, -1)
local out = {}
for _, key in ipairs(keys) do
  endSu(key, ARGV[3], ARGV[4])
  if redis.call('DEL', P .. 's:' .. key) == 1 then
    out[#out + 1] = key
    redis.call('PUBLISH', P .. 'changes', key)
  end
  redis.call('ZREM', P .. 'x', key)
  redis.call('HDEL', P .. 'o', key)
end
redis.call('DEL', idx)
return out
`;

/**
 * ARGV: P, now, limit. Removes up to `limit` keys whose expiry is at or before `now` from the
 * record space and every index (Redis may have dropped the record already: then only the indexes
 * are cleaned). Returns {keys looked at, records removed}.
 */
export const PURGE = `${PRELUDE}
local keys = redis.call('ZRANGEBYSCORE', P .. 'x', '-inf', ARGV[2], 'LIMIT', 0, ARGV[3])
local removed = 0
for _, key in ipairs(keys) do
  endSu(key, 'su_end_expired', ARGV[2])
  if redis.call('DEL', P .. 's:' .. key) == 1 then
    removed = removed + 1
    redis.call('PUBLISH', P .. 'changes', key)
  end
  unindex(key)
end
return {#keys, removed}
`;

/**
 * issue 10b. ARGV: P, user, keep, now, newest ('' = none). Keeps the user's newest `keep` sessions
 * (`newest` first, then createdAt, then key) and destroys the others (a change of user in one gets its end record), publishing each
 * key; returns the destroyed keys.
 */
export const TRIM_USER = `${PRELUDE}
local keys = redis.call('ZRANGEBYSCORE', P .. 'u:' .. ARGV[2], '(' .. ARGV[4], '+inf')
local live = {}
for _, key in ipairs(keys) do
  local v = redis.call('GET', P .. 's:' .. key)
  local ok, r = pcall(cjson.decode, v or '')
  if ok and type(r) == 'table' and type(r.createdAt) == 'number' then
    live[#live + 1] = {key = key, created = r.createdAt}
  end
end
table.sort(live, function(a, b)
  if (a.key == ARGV[5]) ~= (b.key == ARGV[5]) then return a.key == ARGV[5] end
  if a.created ~= b.created then return a.created > b.created end
  return a.key > b.key
end)
local out = {}
for i = tonumber(ARGV[3]) + 1, #live do
  local key = live[i].key
  endSu(key, 'su_end_capped', ARGV[4])
  redis.call('DEL', P .. 's:' .. key)
  unindex(key)
  redis.call('PUBLISH', P .. 'changes', key)
  out[#out + 1] = key
end
return out
`;
