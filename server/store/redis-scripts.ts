/**
 * The Lua scripts of the Redis store. They hold no session semantics (that is applyOp in ops.ts,
 * run in Node); they only make each write and its index updates one atomic step, and `cas` makes a
 * read-apply-write safe across instances (compare-and-set on the exact stored value).
 *
 * Every script works on one bucket (redis-layout.ts) and touches only the keys it is given:
 * KEYS[1..5] are the bucket's `x`, `o`, `u`, `su` and `audit`, KEYS[6..] session records of that
 * bucket. All carry the bucket's hash tag, so on Redis Cluster a script runs on one node, in one
 * slot, atomically; on one Redis the tags change nothing. The channel a script publishes on is a
 * classic pub/sub channel (not a key), which a cluster forwards to every node.
 */

import {SESSION_REF_LENGTH} from '../session/ids.js';

// Shared helpers: remove a key from every index of its bucket; add it with its expiry (and
// owner, and switched user); the end record of a change of user in a session about to go.
const PRELUDE = `
local X, O, U, SU, A = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local function unindex(key)
  redis.call('ZREM', X, key)
  local owner = redis.call('HGET', O, key)
  if owner then
    redis.call('ZREM', U, owner .. '\\0' .. key)
    redis.call('HDEL', O, key)
  end
  redis.call('HDEL', SU, key)
end
local function setSu(key, su)
  if su ~= '' then redis.call('HSET', SU, key, su) else redis.call('HDEL', SU, key) end
end
local function index(key, exp, user, su)
  redis.call('ZADD', X, exp, key)
  if user ~= '' then
    redis.call('HSET', O, key, user)
    redis.call('ZADD', U, 0, user .. '\\0' .. key)
  end
  setSu(key, su)
end
local function endSu(key, action, at)
  local s = redis.call('HGET', SU, key)
  if not s then return end
  local cut = string.find(s, '\\0', 1, true)
  if not cut then return end
  local target, method = string.sub(s, cut + 1), nil
  local cut2 = string.find(target, '\\0', 1, true)
  if cut2 then
    method = string.sub(target, cut2 + 1)
    target = string.sub(target, 1, cut2 - 1)
  end
  redis.call('RPUSH', A, cjson.encode({at = tonumber(at), action = action,
    actor = string.sub(s, 1, cut - 1), target = target, address = '',
    session = string.sub(key, 1, ${SESSION_REF_LENGTH}), method = method}))
end
`;

/**
 * KEYS: bucket, record. ARGV: key, json, expiresAt, user ('' = anonymous), switched
 * (`<user>\0<target>[\0<login method>]`, '' = none). Returns 1.
 */
export const INSERT = `${PRELUDE}
unindex(ARGV[1])
redis.call('SET', KEYS[6], ARGV[2], 'PXAT', ARGV[3])
index(ARGV[1], ARGV[3], ARGV[4], ARGV[5])
return 1
`;

/**
 * KEYS: bucket, record. ARGV: key, expected json, new json, expiresAt, switched, '1' when the
 * expiry moved. Writes only when the stored value is still exactly what the caller read: 1
 * written, -1 gone, or on a conflict the value stored now (apply the op to it and try again,
 * without another read).
 */
export const CAS = `${PRELUDE}
local cur = redis.call('GET', KEYS[6])
if not cur then return -1 end
if cur ~= ARGV[2] then return cur end
redis.call('SET', KEYS[6], ARGV[3], 'PXAT', ARGV[4])
if ARGV[6] == '1' then redis.call('ZADD', X, ARGV[4], ARGV[1]) end
setSu(ARGV[1], ARGV[5])
return 1
`;

/** KEYS: bucket, record. ARGV: key. Returns 1 when a record existed. */
export const DESTROY = `${PRELUDE}
local n = redis.call('DEL', KEYS[6])
unindex(ARGV[1])
return n
`;

/**
 * KEYS: bucket, records. ARGV: mode, end action, now, user, channel, then the records' keys (so
 * ARGV[i] is the key of KEYS[i] from 6 on). Removes each session that still qualifies when the
 * script runs: in mode `user` the ones `user` owns, in mode `expired` the ones whose expiry is at
 * or before `now` (a session extended since the caller looked stays). A switched one gets its end
 * record, even when Redis already dropped the record itself; each removed record is published.
 * Returns the keys whose record existed.
 */
export const REMOVE = `${PRELUDE}
local mode, action, now, user, channel = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local out = {}
for i = 6, #ARGV do
  local key = ARGV[i]
  local take
  if mode == 'expired' then
    local score = redis.call('ZSCORE', X, key)
    take = score and tonumber(score) <= tonumber(now)
  else
    take = redis.call('HGET', O, key) == user
  end
  if take then
    endSu(key, action, now)
    if redis.call('DEL', KEYS[i]) == 1 then
      out[#out + 1] = key
      redis.call('PUBLISH', channel, key)
    end
    unindex(key)
  end
end
return out
`;
