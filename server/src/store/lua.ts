/**
 * Lua scripts for what must be atomic. Each header lists KEYS, ARGV and the return value
 * (as BullMQ's commands/).
 */

/**
 * recordReport: move one device's state for one alert forward, never backwards, and count each
 * state the device newly reached.
 *   KEYS[1] alertExpected(id)     SET of device ids in the audience at fan-out
 *   KEYS[2] alertDeviceState(id)  HASH device id -> rank
 *   KEYS[3] alertStats(id)        HASH counters
 *   ARGV[1] device id
 *   ARGV[2] new rank: 2 delivered, 3 displayed, 4 acknowledged (DELIVERY_STATES index)
 * Returns -1 when the device is not in the alert's audience (or the alert has not fanned out),
 * 0 when the device was already at or past that state, else the new rank.
 */
export const RECORD_REPORT = `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 0 then return -1 end
local cur = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
local new = tonumber(ARGV[2])
if new <= cur then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], new)
local names = { [2] = 'delivered', [3] = 'displayed', [4] = 'acknowledged' }
local from = cur + 1
if from < 2 then from = 2 end
for r = from, new do redis.call('HINCRBY', KEYS[3], names[r], 1) end
return new
`;

/**
 * consumeEnrollmentToken: use one of a token's uses, if it has any left and has not expired.
 *   KEYS[1] enrollmentToken(hash)
 *   ARGV[1] now, ms since epoch
 *   ARGV[2] '1' when the device names its own org unit, '0' when it relies on the token's
 * Returns the token's fields as a flat array; nil when the token is unknown, expired or used up;
 * -1 (and nothing used) when neither the device nor the token names an org unit.
 */
export const CONSUME_ENROLLMENT_TOKEN = `
if redis.call('EXISTS', KEYS[1]) == 0 then return nil end
local expires = tonumber(redis.call('HGET', KEYS[1], 'expiresAtMs'))
local uses = tonumber(redis.call('HGET', KEYS[1], 'uses'))
local maxUses = tonumber(redis.call('HGET', KEYS[1], 'maxUses'))
if expires <= tonumber(ARGV[1]) or uses >= maxUses then return nil end
if ARGV[2] == '0' and redis.call('HEXISTS', KEYS[1], 'orgUnit') == 0 then return -1 end
redis.call('HINCRBY', KEYS[1], 'uses', 1)
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
