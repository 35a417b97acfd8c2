-- A room's position and, when asked, the entries after a client's position.
-- KEYS[1] stream, KEYS[2] meta hash {epoch, offset}.
-- ARGV[1] epoch to use if the room has none, ARGV[2] ttl seconds,
-- ARGV[3] since offset ('' = position only), ARGV[4] since epoch.
-- Returns {top offset, epoch, missed 0|1, entries} where entries are XRANGE
-- replies ({id, {'b', body}}) with offset > since, oldest first.
local epoch = redis.call('HGET', KEYS[2], 'epoch')
if not epoch then
  -- Created here too, so a client that joins before the first publish holds
  -- the epoch that publish will use (else it would look like a lost stream).
  epoch = ARGV[1]
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], 'epoch', epoch, 'offset', 0)
  redis.call('EXPIRE', KEYS[2], ARGV[2])
end
local top = tonumber(redis.call('HGET', KEYS[2], 'offset'))
if ARGV[3] == '' then
  return {top, epoch, 0, {}}
end
local since = tonumber(ARGV[3])
if ARGV[4] ~= epoch or since > top then
  return {top, epoch, 1, {}}
end
if since == top then
  return {top, epoch, 0, {}}
end
local first = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
local oldest = top + 1
if #first > 0 then
  oldest = tonumber(string.match(first[1][1], '^(%d+)'))
end
if since < oldest - 1 then
  return {top, epoch, 1, {}}
end
return {top, epoch, 0, redis.call('XRANGE', KEYS[1], '(' .. since .. '-0', '+')}
