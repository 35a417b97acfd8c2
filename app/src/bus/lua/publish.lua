-- Appends one message to a room's capped stream and publishes it, atomically.
-- KEYS[1] stream, KEYS[2] meta hash {epoch, offset}, KEYS[3] channel (same hash tag:
--   one slot; the channel is declared as a key because SPUBLISH routes by it).
-- ARGV[1] body (header + data, see codec.ts), ARGV[2] history size (exact cap),
-- ARGV[3] ttl seconds, ARGV[4] epoch to use if the room has none,
-- ARGV[5] 'publish' or 'spublish'.
-- Returns {offset, epoch}.
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if not epoch then
  -- New or lost room: a new epoch, and any stream left from the old one is stale.
  epoch = ARGV[4]
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], 'epoch', epoch, 'offset', 0)
end
local offset = redis.call('HINCRBY', KEYS[2], 'offset', 1)
-- The stream ID carries the offset, so XRANGE can start right after a client's position.
redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[2], offset .. '-0', 'b', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call(ARGV[5], KEYS[3], 'w1 ' .. offset .. ' ' .. epoch .. '\n' .. ARGV[1])
return {offset, epoch}
