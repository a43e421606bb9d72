package redislimit

// allowSrc checks one attempt against every limit and records it against
// all of them if all allow it, in one atomic step. Times are Redis' own
// (TIME, in microseconds), so the nodes' clocks do not matter.
//
// KEYS[i] is limit i's sorted set: one member per accepted hit, scored by
// its time. ARGV[1] is this hit's unique member; ARGV[2i] and ARGV[2i+1]
// are limit i's count and period in microseconds. A hit is in the window
// while its time is above now - period. Numbers go to Redis through
// string.format('%.0f'): Lua's default conversion keeps 14 digits, too few
// for a time in microseconds.
//
// It returns {allowed (1 or 0), retry after in µs (0 when allowed),
// remaining}.
const allowSrc = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local allowed, retry, remaining = 1, 0, nil
for i, key in ipairs(KEYS) do
  local count, period = tonumber(ARGV[2*i]), tonumber(ARGV[2*i+1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%.0f', now - period))
  local n = redis.call('ZCARD', key)
  if n >= count then
    allowed = 0
    local oldest = redis.call('ZRANGE', key, n - count, n - count, 'WITHSCORES')
    local wait = tonumber(oldest[2]) + period - now
    retry = math.max(retry, math.min(math.max(wait, 1), period))
  end
  if remaining == nil or count - n < remaining then remaining = count - n end
end
if allowed == 0 then return {0, retry, 0} end
local score = string.format('%.0f', now)
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, score, ARGV[1])
  redis.call('PEXPIRE', key, string.format('%.0f', math.ceil(tonumber(ARGV[2*i+1]) / 1000)))
end
return {1, 0, remaining - 1}
`
