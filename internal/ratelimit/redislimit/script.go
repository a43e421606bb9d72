package redislimit

// allowSrc checks one attempt against every limit and records it against
// all of them if all allow it, in one atomic step. Times are Redis' own
// (TIME, in microseconds), so the nodes' clocks do not matter.
//
// KEYS[i] is limit i's sorted set: one member per accepted hit, scored by
// its time. ARGV[1] is this hit's unique member ("" records nothing: Peek); ARGV[2i] and ARGV[2i+1]
// are limit i's count and period in microseconds. A hit is in the window
// while its time is above now - period. Numbers go to Redis through
// string.format('%.0f'): Lua's default conversion keeps 14 digits, too few
// for a time in microseconds.
//
// It returns {allowed (1 or 0), retry after in µs (0 when allowed),
// remaining, the index (from 1) of the limit that binds, its reset in µs},
// choosing the limit as memory's bind does (see ratelimit.Decision). An
// allowed limit's oldest hit is read (one more ZRANGE) only when the limit
// has hits and may bind: no more attempts left than the ones before it.
const allowSrc = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local allowed, retry, remaining, bind, reset = 1, 0, nil, 0, 0
for i, key in ipairs(KEYS) do
  local count, period = tonumber(ARGV[2*i]), tonumber(ARGV[2*i+1])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%.0f', now - period))
  local n = redis.call('ZCARD', key)
  if n >= count then
    local oldest = redis.call('ZRANGE', key, n - count, n - count, 'WITHSCORES')
    local wait = math.min(math.max(tonumber(oldest[2]) + period - now, 1), period)
    if allowed == 1 or wait > retry then allowed, retry, bind = 0, wait, i end
  elseif allowed == 1 and (remaining == nil or count - n - 1 <= remaining) then
    local r = period
    if n > 0 then
      local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
      r = math.min(math.max(tonumber(oldest[2]) + period - now, 1), period)
    end
    if remaining == nil or count - n - 1 < remaining or r > reset then
      remaining, bind, reset = count - n - 1, i, r
    end
  end
end
if allowed == 0 then return {0, retry, 0, bind, retry} end
if ARGV[1] == '' then return {1, 0, remaining, bind, reset} end
local score = string.format('%.0f', now)
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, score, ARGV[1])
  redis.call('PEXPIRE', key, string.format('%.0f', math.ceil(tonumber(ARGV[2*i+1]) / 1000)))
end
return {1, 0, remaining, bind, reset}
`
