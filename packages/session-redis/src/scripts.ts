/**
 * Lua sources. Each mutation is one script, so it is atomic and costs one round trip; every
 * key a script touches is passed in KEYS (cluster rule) and shares one hash tag: the user's
 * `{A:U}` for sessions and `user:` state, the app's `{A}` for `app:` state.
 *
 * Writes happen only after every check passed, so a script never leaves half its writes
 * behind (Redis does not roll back a script that fails midway). Replies never carry Lua
 * booleans or non-integer numbers: timestamps travel as strings.
 *
 * State writes come as ARGV triples `scope, key, value`: scope `s` (session), `u` (user),
 * `a` (app, only in APPLY_APP_DELTA); an empty value deletes the key (values are JSON, never empty).
 */

const APPLY_STATE = `
local function apply_state(first, targets)
  for i = first, #ARGV, 3 do
    local target = targets[ARGV[i]]
    if ARGV[i + 2] == '' then
      redis.call('HDEL', target, ARGV[i + 1])
    else
      redis.call('HSET', target, ARGV[i + 1], ARGV[i + 2])
    end
  end
end
-- Writes happen only after every key they touch is known to hold our type (or nothing): a
-- WRONGTYPE error halfway through would leave the earlier writes in place.
local function foreign(key, want)
  local have = redis.call('TYPE', key).ok
  return have ~= 'none' and have ~= want
end
-- The state hashes a triple list will write, each checked once.
local function foreign_state(first, targets)
  local seen = {}
  for i = first, #ARGV, 3 do
    local target = targets[ARGV[i]]
    if not seen[target] then
      if foreign(target, 'hash') then return target end
      seen[target] = true
    end
  end
  return nil
end
local function expire_all(ttl, keys)
  if ttl > 0 then
    for _, key in ipairs(keys) do redis.call('EXPIRE', key, ttl) end
  end
end
`;

/**
 * KEYS: meta, state, userState, sessionIndex
 * ARGV: sessionId, now, ttl, createToken, indexMember, triples…
 * Reply: {0} taken by someone else | {1, lut, user, session} (flat HGETALL arrays)
 * | {3, key} a key holds foreign data. A resend of our own create (same token, after a lost
 * reply) succeeds instead of failing.
 */
export const CREATE_SESSION = `${APPLY_STATE}
for i, want in ipairs({ 'hash', 'hash', 'hash', 'zset' }) do
  if foreign(KEYS[i], want) then return {3, KEYS[i]} end
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  if redis.call('HGET', KEYS[1], 'ct') ~= ARGV[4] then return {0} end
else
  redis.call('HSET', KEYS[1], 'lut', ARGV[2], 'ct', ARGV[4], 'ix', ARGV[5])
  apply_state(6, { s = KEYS[2], u = KEYS[3] })
  redis.call('ZADD', KEYS[4], 0, ARGV[5])
  expire_all(tonumber(ARGV[3]), { KEYS[1], KEYS[2], KEYS[4] })
end
return {
  1,
  redis.call('HGET', KEYS[1], 'lut'),
  redis.call('HGETALL', KEYS[3]),
  redis.call('HGETALL', KEYS[2]),
}
`;

/**
 * KEYS: meta, state, events, eventIds, eventTimes, userState, sessionIndex
 * ARGV: eventId, eventJson, timestamp, ttl, indexMember, triples…
 * Reply: {0} no session | {1, lut, seq} appended | {2, lut} id already stored (no-op)
 * | {3, key} a key holds foreign data.
 *
 * O(1) in the history length (ZADD is O(log n)); it never reads old events. Kept lean because
 * it is the hot path: the reads double as type checks of meta, eventIds and events, so only
 * eventTimes, the index and the state hashes the delta touches need an explicit TYPE.
 * seq = HLEN + 1 since events are only ever added (or the whole session deleted). The index
 * member moves to the new lastUpdateTime (ZREM + ZADD, O(log n)).
 */
export const APPEND_EVENT = `${APPLY_STATE}
local lut = redis.call('HGET', KEYS[1], 'lut')
if not lut then return {0} end
if redis.call('HEXISTS', KEYS[4], ARGV[1]) == 1 then return {2, lut} end
local seq = redis.call('HLEN', KEYS[3]) + 1
if foreign(KEYS[5], 'zset') then return {3, KEYS[5]} end
if foreign(KEYS[7], 'zset') then return {3, KEYS[7]} end
local targets = { s = KEYS[2], u = KEYS[6] }
local bad = foreign_state(6, targets)
if bad then return {3, bad} end
redis.call('HSET', KEYS[3], seq, ARGV[2])
redis.call('HSET', KEYS[4], ARGV[1], seq)
redis.call('ZADD', KEYS[5], ARGV[3], seq)
apply_state(6, targets)
local old = redis.call('HGET', KEYS[1], 'ix')
if old ~= ARGV[5] then
  if old then redis.call('ZREM', KEYS[7], old) end
  redis.call('ZADD', KEYS[7], 0, ARGV[5])
end
redis.call('HSET', KEYS[1], 'lut', ARGV[3], 'ix', ARGV[5])
expire_all(tonumber(ARGV[4]), { KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[7] })
return {1, ARGV[3], seq}
`;

/**
 * The `app:` part of a write, in the app's own slot, applied at most once per id.
 * KEYS: appState, appliedDeltas
 * ARGV: deltaId, now, forgetBefore, triples… (scope `a`)
 * Reply: {1} applied | {2} already applied (no-op) | {3, key} a key holds foreign data.
 * Applied ids are kept while `now - forgetBefore` (the retry window), trimmed on each call.
 */
export const APPLY_APP_DELTA = `${APPLY_STATE}
if redis.call('ZSCORE', KEYS[2], ARGV[1]) then return {2} end
if foreign(KEYS[1], 'hash') then return {3, KEYS[1]} end
if foreign(KEYS[2], 'zset') then return {3, KEYS[2]} end
apply_state(4, { a = KEYS[1] })
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[3])
return {1}
`;

/**
 * Read-only. KEYS: meta, state, events, eventTimes, userState
 * ARGV: numRecentEvents ('' = all), afterTimestamp ('' = none)
 * Reply: {0} | {1, lut, user, session, events}. Reads only the returned event bodies:
 * the last N are seqs n-N+1..n; a time filter first selects seqs from the timestamp ZSET.
 * (`app:` state lives in another slot: the service reads it next to this script.)
 */
export const GET_SESSION = `
local lut = redis.call('HGET', KEYS[1], 'lut')
if not lut then return {0} end
local count = redis.call('HLEN', KEYS[3])
local limit = nil
if ARGV[1] ~= '' then limit = tonumber(ARGV[1]) end
local picked = {}
if ARGV[2] == '' then
  local first = 1
  if limit then first = math.max(1, count - limit + 1) end
  for seq = first, count do picked[#picked + 1] = seq end
else
  for i, member in ipairs(redis.call('ZRANGEBYSCORE', KEYS[4], ARGV[2], '+inf')) do
    picked[i] = tonumber(member)
  end
  table.sort(picked)
  if limit and #picked > limit then
    local tail = {}
    for i = #picked - limit + 1, #picked do tail[#tail + 1] = picked[i] end
    picked = tail
  end
end
local events = {}
for from = 1, #picked, 500 do
  local chunk = {}
  for i = from, math.min(from + 499, #picked) do chunk[#chunk + 1] = picked[i] end
  for _, body in ipairs(redis.call('HMGET', KEYS[3], unpack(chunk))) do
    if body then events[#events + 1] = body end
  end
end
return {
  1,
  lut,
  redis.call('HGETALL', KEYS[5]),
  redis.call('HGETALL', KEYS[2]),
  events,
}
`;

/**
 * KEYS: sessionIndex, userState, then meta_i, state_i per listed session
 * ARGV: indexMember_i
 * Reply: {user, {member, lut, session}…}. Never touches events. Index entries whose
 * session is gone (TTL expiry) are pruned here, atomically with the existence check.
 */
export const LIST_SESSIONS = `
local out = { redis.call('HGETALL', KEYS[2]) }
for i, member in ipairs(ARGV) do
  local lut = redis.call('HGET', KEYS[1 + 2 * i], 'lut')
  if lut then
    out[#out + 1] = { member, lut, redis.call('HGETALL', KEYS[2 + 2 * i]) }
  else
    redis.call('ZREM', KEYS[1], member)
  end
end
return out
`;

/**
 * KEYS: meta, state, events, eventIds, eventTimes, sessionIndex
 * The reads (HGET) come first and the ZREM is the only write that can fail (foreign type),
 * so nothing is half-deleted. UNLINK frees a long history off the main thread.
 */
export const DELETE_SESSION = `
local member = redis.call('HGET', KEYS[1], 'ix')
if member then redis.call('ZREM', KEYS[6], member) end
redis.call('UNLINK', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
return 1
`;
