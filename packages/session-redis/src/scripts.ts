/**
 * Lua sources. Each mutation is one script, so it is atomic and costs one round trip; every
 * key a script touches is passed in KEYS (cluster rule) and shares the app's hash tag.
 *
 * Writes happen only after every check passed, so a script never leaves half its writes
 * behind (Redis does not roll back a script that fails midway). Replies never carry Lua
 * booleans or non-integer numbers: timestamps travel as strings.
 *
 * State writes come as ARGV triples `scope, key, value`: scope `s` (session), `a` (app),
 * `u` (user); an empty value deletes the key (values are JSON, never empty).
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
 * KEYS: meta, state, appState, userState, sessionIndex
 * ARGV: sessionId, now, ttl, createToken, triples…
 * Reply: {0} taken by someone else | {1, lut, app, user, session} (flat HGETALL arrays)
 * | {3, key} a key holds foreign data. A resend of our own create (same token, after a lost
 * reply) succeeds instead of failing.
 */
export const CREATE_SESSION = `${APPLY_STATE}
for i, want in ipairs({ 'hash', 'hash', 'hash', 'hash', 'zset' }) do
  if foreign(KEYS[i], want) then return {3, KEYS[i]} end
end
if redis.call('EXISTS', KEYS[1]) == 1 then
  if redis.call('HGET', KEYS[1], 'ct') ~= ARGV[4] then return {0} end
else
  redis.call('HSET', KEYS[1], 'lut', ARGV[2], 'ct', ARGV[4])
  apply_state(5, { s = KEYS[2], a = KEYS[3], u = KEYS[4] })
  redis.call('ZADD', KEYS[5], ARGV[2], ARGV[1])
  expire_all(tonumber(ARGV[3]), { KEYS[1], KEYS[2], KEYS[5] })
end
return {
  1,
  redis.call('HGET', KEYS[1], 'lut'),
  redis.call('HGETALL', KEYS[3]),
  redis.call('HGETALL', KEYS[4]),
  redis.call('HGETALL', KEYS[2]),
}
`;

/**
 * KEYS: meta, state, events, eventIds, eventTimes, appState, userState, sessionIndex
 * ARGV: eventId, eventJson, timestamp, ttl, triples…
 * Reply: {0} no session | {1, lut, seq} appended | {2, lut} id already stored (no-op)
 * | {3, key} a key holds foreign data.
 *
 * O(1) in the history length (ZADD is O(log n)); it never reads old events. Kept lean because
 * it is the hot path: the three reads double as type checks of meta, eventIds and events, so
 * only eventTimes and the state hashes the delta touches need an explicit TYPE. seq = HLEN + 1
 * since events are only ever added (or the whole session deleted).
 */
export const APPEND_EVENT = `${APPLY_STATE}
local lut = redis.call('HGET', KEYS[1], 'lut')
if not lut then return {0} end
if redis.call('HEXISTS', KEYS[4], ARGV[1]) == 1 then return {2, lut} end
local seq = redis.call('HLEN', KEYS[3]) + 1
if foreign(KEYS[5], 'zset') then return {3, KEYS[5]} end
local targets = { s = KEYS[2], a = KEYS[6], u = KEYS[7] }
local bad = foreign_state(5, targets)
if bad then return {3, bad} end
redis.call('HSET', KEYS[3], seq, ARGV[2])
redis.call('HSET', KEYS[4], ARGV[1], seq)
redis.call('ZADD', KEYS[5], ARGV[3], seq)
apply_state(5, targets)
redis.call('HSET', KEYS[1], 'lut', ARGV[3])
expire_all(tonumber(ARGV[4]), { KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[8] })
return {1, ARGV[3], seq}
`;

/**
 * Read-only. KEYS: meta, state, events, eventTimes, appState, userState
 * ARGV: numRecentEvents ('' = all), afterTimestamp ('' = none)
 * Reply: {0} | {1, lut, app, user, session, events}. Reads only the returned event bodies:
 * the last N are seqs n-N+1..n; a time filter first selects seqs from the timestamp ZSET.
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
  redis.call('HGETALL', KEYS[6]),
  redis.call('HGETALL', KEYS[2]),
  events,
}
`;

/**
 * KEYS: sessionIndex, appState, userState, then meta_i, state_i per listed session
 * ARGV: sessionId_i
 * Reply: {app, user, {id, lut, session}…}. Never touches events. Index entries whose
 * session is gone (TTL expiry) are pruned here, atomically with the existence check.
 */
export const LIST_SESSIONS = `
local out = { redis.call('HGETALL', KEYS[2]), redis.call('HGETALL', KEYS[3]) }
for i, id in ipairs(ARGV) do
  local lut = redis.call('HGET', KEYS[2 + 2 * i], 'lut')
  if lut then
    out[#out + 1] = { id, lut, redis.call('HGETALL', KEYS[3 + 2 * i]) }
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out
`;

/**
 * KEYS: meta, state, events, eventIds, eventTimes, sessionIndex
 * ARGV: sessionId
 * ZREM first: it is the only call that can fail (foreign type), so nothing is half-deleted.
 * UNLINK frees a long history off the main thread.
 */
export const DELETE_SESSION = `
redis.call('ZREM', KEYS[6], ARGV[1])
redis.call('UNLINK', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])
return 1
`;
