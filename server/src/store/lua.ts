/**
 * Lua scripts for what must be atomic. Each header lists KEYS, ARGV and the return value
 * (as BullMQ's commands/).
 */

/** Shared by the state scripts: append "rank:ms" to a device's timestamps. */
const STAMP = `
local function stamp(tsKey, dev, rank, now)
  local prev = redis.call('HGET', tsKey, dev)
  local entry = rank .. ':' .. now
  if prev then entry = prev .. ',' .. entry end
  redis.call('HSET', tsKey, dev, entry)
end
local names = { [1] = 'sent', [2] = 'delivered', [3] = 'displayed', [4] = 'acknowledged', [5] = 'expired', [6] = 'cancelled', [7] = 'failed' }
`;

/**
 * recordReport: move one device's state for one alert forward, never backwards, and count each
 * progress state the device newly reached. Final states (rank >= 4) never change.
 *   KEYS[1] alertExpected(id)     SET of device ids in the audience
 *   KEYS[2] alertDeviceState(id)  HASH device id -> rank
 *   KEYS[3] alertStats(id)        HASH counters
 *   KEYS[4] alertDeviceTimes(id)  HASH device id -> "rank:ms,…"
 *   ARGV[1] device id
 *   ARGV[2] new rank: 2 delivered, 3 displayed, 4 acknowledged (DELIVERY_STATES index)
 *   ARGV[3] now, ms
 * Returns -1 when the device is not in the alert's audience (or the alert has not fanned out),
 * 0 when the device was already at or past that state, else the new rank.
 */
export const RECORD_REPORT = STAMP + `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return -1 end
local cur = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
local new = tonumber(ARGV[2])
if cur >= 4 or new <= cur then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], new)
local from = cur + 1
if from < 2 then from = 2 end
for r = from, new do
  redis.call('HINCRBY', KEYS[3], names[r], 1)
  stamp(KEYS[4], ARGV[1], r, ARGV[3])
end
return new
`;

/**
 * markSent: a device is about to be sent an alert by replay. Adds it to the audience when it is
 * not there yet (a device enrolled after the fan-out), and records `sent` if it had no state.
 *   KEYS[1] alertExpected(id)  KEYS[2] alertDeviceState(id)  KEYS[3] alertStats(id)  KEYS[4] alertDeviceTimes(id)
 *   ARGV[1] device id  ARGV[2] now, ms
 * Returns the device's rank before the call.
 */
export const MARK_SENT = STAMP + `
if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then redis.call('HINCRBY', KEYS[3], 'targeted', 1) end
local cur = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if cur == 0 then
  redis.call('HSET', KEYS[2], ARGV[1], 1)
  stamp(KEYS[4], ARGV[1], 1, ARGV[2])
end
return cur
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
    stamp(KEYS[4], dev, rank, ARGV[4])
    changed = changed + 1
  end
end
if changed > 0 then redis.call('HINCRBY', KEYS[3], names[rank], changed) end
return { res[1], changed }
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
 * union of the given sets and records `targeted`; later calls (a retried job) change nothing.
 *   KEYS[1] alertExpected(id)   KEYS[2] alertStats(id)   KEYS[3..] the device sets to unite
 * Returns the number of devices targeted.
 */
export const START_FANOUT = `
local t = redis.call('HGET', KEYS[2], 'targeted')
if t then return tonumber(t) end
local n = 0
if #KEYS > 2 then
  local sources = {}
  for i = 3, #KEYS do sources[#sources + 1] = KEYS[i] end
  n = redis.call('SUNIONSTORE', KEYS[1], unpack(sources))
end
redis.call('HSET', KEYS[2], 'targeted', n)
return n
`;
