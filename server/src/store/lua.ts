/**
 * Lua scripts for what must be atomic. Each header lists KEYS, ARGV and the return value
 * (as BullMQ's commands/).
 */

/** Shared by the state scripts: the counter name of each rank (DELIVERY_STATES). */
const NAMES = `
local names = { [1] = 'sent', [2] = 'delivered', [3] = 'displayed', [4] = 'acknowledged', [5] = 'expired', [6] = 'cancelled', [7] = 'failed' }
`;

/**
 * Shared by the scripts that stamp devices one by one (replay, expiry, cancellation): append
 * "rank:ms" entries (comma-separated) to a device's timestamps. `cur` is the device's state
 * before: timestamps are written with the state, so a device without one (0) has none to extend,
 * and they are not read.
 */
const STAMP = NAMES + `
local function stamp(tsKey, dev, entry, cur)
  if cur > 0 then
    local prev = redis.call('HGET', tsKey, dev)
    if prev then entry = prev .. ',' .. entry end
  end
  redis.call('HSET', tsKey, dev, entry)
end
`;

/**
 * Shared by the scripts that add devices to an audience: whether the fan-out has fixed it.
 * `fixedAt` marks the fix; an alert fanned out before that field existed shows it by `state=done`
 * (its fan-out fixed the audience before it broadcast), and a fan-out marks done only after it.
 */
const AUDIENCE_FIXED = `
local function audienceFixed(statsKey)
  return redis.call('HEXISTS', statsKey, 'fixedAt') == 1 or redis.call('HGET', statsKey, 'state') == 'done'
end
`;

/**
 * recordReports: a batch of reports for one alert. Each moves one device's state forward, never
 * backwards, and counts each progress state the device newly reached; final states (rank >= 4)
 * never change. One call per alert and batch, and within it one read and one write per hash for
 * the whole batch (HMGET, then HSET of every device changed), not four commands per report: Redis
 * runs every edge's batches one after another, so its time per report is what a busy round waits on.
 * A device is in the audience when it is in the expected set. Until the fan-out has fixed that
 * set (AUDIENCE_FIXED; the broadcast leaves before it), a device whose own org unit is one of the
 * alert's units is in the audience too, and is added to the set, which the fix keeps.
 *   KEYS[1] alertExpected(id)     SET of device ids in the audience
 *   KEYS[2] alertDeviceState(id)  HASH device id -> rank
 *   KEYS[3] alertStats(id)        HASH counters, `units` ('all' or comma-separated), `fixedAt`, `state`
 *   KEYS[4] alertDeviceTimes(id)  HASH device id -> "rank:ms,…"
 *   ARGV[1] now, ms
 *   ARGV[2], ARGV[3], ARGV[4], … triples of device id, new rank (2 delivered, 3 displayed,
 *           4 acknowledged: DELIVERY_STATES index) and the device's own org unit
 * Returns one number per triple, in order: -1 when the device is not in the alert's audience (or
 * there is no such alert), 0 when it was already at or past that state, else the new rank. A
 * device reported twice in one batch is handled as two reports in that order.
 */
export const RECORD_REPORTS = NAMES + AUDIENCE_FIXED + `
local now = ARGV[1]
local out = {}
local units = nil
if not audienceFixed(KEYS[3]) then
  units = redis.call('HGET', KEYS[3], 'units')
  if not units then
    for i = 2, #ARGV, 3 do out[#out + 1] = -1 end
    return out
  end
  if units ~= 'all' then units = ',' .. units .. ',' end
end
-- unpack() is bounded by Lua's C stack: field lists go to Redis at most CHUNK at a time.
local CHUNK = 1000
local function hmget(key, fields, into)
  for s = 1, #fields, CHUNK do
    local part = {}
    for j = s, math.min(s + CHUNK - 1, #fields) do part[#part + 1] = fields[j] end
    local vals = redis.call('HMGET', key, unpack(part))
    for k = 1, #part do into[part[k]] = vals[k] end
  end
end
local function hset(key, fields, values)
  for s = 1, #fields, CHUNK do
    local args = {}
    for j = s, math.min(s + CHUNK - 1, #fields) do
      args[#args + 1] = fields[j]
      args[#args + 1] = values[fields[j]]
    end
    redis.call('HSET', key, unpack(args))
  end
end
local devs = {}
for i = 2, #ARGV, 3 do devs[#devs + 1] = ARGV[i] end
local stored = {}
hmget(KEYS[2], devs, stored)
-- state: each device's rank as the batch moves it; before: its rank when the batch began.
local state, before = {}, {}
for _, dev in ipairs(devs) do
  if state[dev] == nil then
    state[dev] = tonumber(stored[dev] or '0')
    before[dev] = state[dev]
  end
end
local changed, entries = {}, {}
local reached = { 0, 0, 0, 0 }
for i = 2, #ARGV, 3 do
  local dev = ARGV[i]
  local new = tonumber(ARGV[i + 1])
  local cur = state[dev]
  local res = 0
  -- A device with a state is in the audience: only members get one, and the set never shrinks.
  local member = cur > 0 or redis.call('SISMEMBER', KEYS[1], dev) == 1
  if not member and units and (units == 'all' or string.find(units, ',' .. ARGV[i + 2] .. ',', 1, true)) then
    redis.call('SADD', KEYS[1], dev)
    member = true
  end
  if not member then
    res = -1
  elseif cur < 4 and new > cur then
    local from = cur + 1
    if from < 2 then from = 2 end
    local entry = from .. ':' .. now
    reached[from] = reached[from] + 1
    for r = from + 1, new do
      entry = entry .. ',' .. r .. ':' .. now
      reached[r] = reached[r] + 1
    end
    if entries[dev] then
      entries[dev] = entries[dev] .. ',' .. entry
    else
      entries[dev] = entry
      changed[#changed + 1] = dev
    end
    state[dev] = new
    res = new
  end
  out[#out + 1] = res
end
if #changed > 0 then
  -- Timestamps are written with the state: a device that had none has no timestamps to extend.
  local extend, prev = {}, {}
  for _, dev in ipairs(changed) do
    if before[dev] > 0 then extend[#extend + 1] = dev end
  end
  hmget(KEYS[4], extend, prev)
  for _, dev in ipairs(extend) do
    if prev[dev] then entries[dev] = prev[dev] .. ',' .. entries[dev] end
  end
  hset(KEYS[2], changed, state)
  hset(KEYS[4], changed, entries)
end
for r = 2, 4 do
  if reached[r] > 0 then redis.call('HINCRBY', KEYS[3], names[r], reached[r]) end
end
return out
`;

/**
 * replayCheck: whether to replay one alert to a reconnecting device, and if so record that it is
 * being sent. It is replayed when it is newer than the agent's cursor or the device has not
 * reported it delivered. A replayed alert adds the device to its audience when it is not there
 * yet (a device enrolled after the fan-out) and records `sent` if the device had no state.
 *   KEYS[1] alertExpected(id)  KEYS[2] alertDeviceState(id)  KEYS[3] alertStats(id)  KEYS[4] alertDeviceTimes(id)
 *   ARGV[1] device id  ARGV[2] 1 when the alert is newer than the agent's cursor, else 0  ARGV[3] now, ms
 * Returns 1 when the alert is to be replayed, else 0.
 */
export const REPLAY_CHECK = STAMP + AUDIENCE_FIXED + `
local cur = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if ARGV[2] ~= '1' and cur >= 2 then return 0 end
-- Before the fan-out fixed the audience, its union counts the device; after, it is one more.
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 and audienceFixed(KEYS[3]) then
  redis.call('HINCRBY', KEYS[3], 'targeted', 1)
end
if cur == 0 then
  redis.call('HSET', KEYS[2], ARGV[1], 1)
  stamp(KEYS[4], ARGV[1], '1:' .. ARGV[3], cur)
end
return 1
`;

/**
 * markFinal: move every device of the audience that is not in a final state to a final state
 * (expired or cancelled), a chunk at a time so Redis is never blocked for long.
 *   KEYS[1] alertExpected(id)  KEYS[2] alertDeviceState(id)  KEYS[3] alertStats(id)  KEYS[4] alertDeviceTimes(id)
 *   ARGV[1] rank (5 expired, 6 cancelled)  ARGV[2] SSCAN cursor  ARGV[3] chunk size  ARGV[4] now, ms
 * Returns { next SSCAN cursor ('0' when done), devices changed in this chunk }.
 */
export const MARK_FINAL = STAMP + `
local rank = tonumber(ARGV[1])
local res = redis.call('SSCAN', KEYS[1], ARGV[2], 'COUNT', ARGV[3])
local changed = 0
for _, dev in ipairs(res[2]) do
  local cur = tonumber(redis.call('HGET', KEYS[2], dev) or '0')
  if cur < 4 then
    redis.call('HSET', KEYS[2], dev, rank)
    stamp(KEYS[4], dev, rank .. ':' .. ARGV[4], cur)
    changed = changed + 1
  end
end
if changed > 0 then redis.call('HINCRBY', KEYS[3], names[rank], changed) end
return { res[1], changed }
`;

/**
 * devicesBelow: one chunk of an alert's audience whose state ranks below ARGV[3] (4: not
 * acknowledged, no final state; 2: not delivered yet), a chunk at a time so Redis is never
 * blocked for long. Read only.
 *   KEYS[1] alertExpected(id)  KEYS[2] alertDeviceState(id)
 *   ARGV[1] SSCAN cursor  ARGV[2] chunk size  ARGV[3] rank
 * Returns { next SSCAN cursor ('0' when done), device ids of this chunk below that rank }.
 */
export const DEVICES_BELOW = `
local res = redis.call('SSCAN', KEYS[1], ARGV[1], 'COUNT', ARGV[2])
local below = tonumber(ARGV[3])
local out = {}
for _, dev in ipairs(res[2]) do
  if tonumber(redis.call('HGET', KEYS[2], dev) or '0') < below then out[#out + 1] = dev end
end
return { res[1], out }
`;

/**
 * consumeEnrollmentToken: use one of a token's uses, if it has any left and has not expired.
 *   KEYS[1] enrollmentToken(hash)
 *   ARGV[1] now, ms since epoch
 *   ARGV[2] '1' when the device names its own org unit, '0' when it relies on the token's
 *   ARGV[3] how many uses to take (a bulk enrollment takes one per device, all or none)
 * Returns the token's fields as a flat array; nil when the token is unknown, expired or has
 * fewer uses left;
 * -1 (and nothing used) when neither the device nor the token names an org unit.
 */
export const CONSUME_ENROLLMENT_TOKEN = `
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
local expires = tonumber(redis.call('HGET', KEYS[1], 'expiresAtMs'))
local uses = tonumber(redis.call('HGET', KEYS[1], 'uses'))
local maxUses = tonumber(redis.call('HGET', KEYS[1], 'maxUses'))
local n = tonumber(ARGV[3])
if expires <= tonumber(ARGV[1]) or uses + n > maxUses then return nil end
if ARGV[2] == '0' and redis.call('HEXISTS', KEYS[1], 'orgUnit') == 0 then return -1 end
redis.call('HINCRBY', KEYS[1], 'uses', n)
return redis.call('HGETALL', KEYS[1])
`;

/**
 * startFanout: fix an alert's audience once. The first call stores the expected device set as the
 * union of the given sets (and of any device replay or a report added before it) and records
 * `targeted` and `fixedAt`; later calls (a retried job) change nothing. `fixedAt` marks the fix:
 * until it is set, replay and reports add devices to the set without counting them.
 *   KEYS[1] alertExpected(id)   KEYS[2] alertStats(id)   KEYS[3..] the device sets to unite
 *   ARGV[1] now, ms
 * Returns the number of devices targeted.
 */
export const START_FANOUT = `
if redis.call('HEXISTS', KEYS[2], 'fixedAt') == 1 then return tonumber(redis.call('HGET', KEYS[2], 'targeted') or '0') end
local n
if #KEYS > 2 then
  local sources = { KEYS[1] }
  for i = 3, #KEYS do sources[#sources + 1] = KEYS[i] end
  n = redis.call('SUNIONSTORE', KEYS[1], unpack(sources))
else
  n = redis.call('SCARD', KEYS[1])
end
redis.call('HSET', KEYS[2], 'targeted', n, 'fixedAt', ARGV[1])
return n
`;

/**
 * removePushIfSame: drops a device's registration on a channel that a push service called gone,
 * unless the device registered anew meanwhile (then the new one stays).
 *   KEYS[1] devicePush(id)  ARGV[1] channel  ARGV[2] the registration as it was sent to
 * Returns 1 when removed, else 0.
 */
export const REMOVE_PUSH_IF_SAME = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
`;

/**
 * takePushRetries: hands a push retry the devices to retry, once. The set the previous attempt
 * filled is renamed to the retry's own key, so the attempt that runs now can fill the set for the
 * next one; a retry that runs again (its job was retried) finds its own key and uses it again.
 *   KEYS[1] alertPushRetry(id, run)  KEYS[2] alertPushRetry(id, run, retry)
 * Returns 1 when KEYS[2] holds devices to retry, else 0.
 */
export const TAKE_PUSH_RETRIES = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 1 end
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('RENAME', KEYS[1], KEYS[2])
return 1
`;
