-- wrk script for scripts/bench-heartbeat: each thread sends heartbeats for its own share of the plays
-- ("id user-agent" lines in the file given as the first argument), round robin, with each play's agent, each claiming 0.1 s of
-- playback, which the server's cap always allows at these rates. From the deadline (unix ms, second
-- argument) on, threads send GET /healthz instead, so that when wrk stops no heartbeat is in flight:
-- every heartbeat the server credited has been answered and counted here.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } festival_timespec;
  int clock_gettime(int clock_id, festival_timespec* tp);
]]
local function now_ms()
  local t = ffi.new("festival_timespec")
  ffi.C.clock_gettime(0, t)
  return tonumber(t.tv_sec) * 1000 + math.floor(tonumber(t.tv_nsec) / 1e6)
end

local threads = {}
local next_index = 0

function setup(thread)
  thread:set("index", next_index)
  next_index = next_index + 1
  table.insert(threads, thread)
end

local ids, agents, cursor, deadline, started = {}, {}, 0, 0, 0
accepted, refused, heartbeats_sent, first_ms, last_ms = 0, 0, 0, 0, 0
local body = '{"position":12.5,"played":0.1}'
local in_heartbeat = false

function init(args)
  local count = tonumber(args[3])
  local k = 0
  for line in io.lines(args[1]) do
    if k % count == index then
      local id, agent = line:match("^(%S+) (.+)$")
      table.insert(ids, id)
      table.insert(agents, { ["Content-Type"] = "application/json", ["User-Agent"] = agent })
    end
    k = k + 1
  end
  deadline = tonumber(args[2])
  started = now_ms()
end

function request()
  if now_ms() < deadline then
    cursor = cursor % #ids + 1
    heartbeats_sent = heartbeats_sent + 1
    in_heartbeat = true
    return wrk.format("POST", "/api/plays/" .. ids[cursor] .. "/heartbeat", agents[cursor], body)
  end
  in_heartbeat = false
  return wrk.format("GET", "/healthz")
end

function response(status, headers, body)
  -- A heartbeat's answer is 200 with the film's media tokens ({"screening": …}), or an error JSON;
  -- /healthz answers 200 without them.
  if status == 200 and body and string.find(body, '"screening"', 1, true) then
    accepted = accepted + 1
    local t = now_ms()
    if first_ms == 0 then first_ms = t end
    last_ms = t
  elseif status ~= 200 then
    refused = refused + 1
  end
end

function done(summary, latency, requests)
  local a, r, s, first, last = 0, 0, 0, math.huge, 0
  for _, thread in ipairs(threads) do
    a = a + thread:get("accepted")
    r = r + thread:get("refused")
    s = s + thread:get("heartbeats_sent")
    local f, l = thread:get("first_ms"), thread:get("last_ms")
    if f > 0 and f < first then first = f end
    if l > last then last = l end
  end
  io.write(string.format("heartbeats_accepted %d\n", a))
  io.write(string.format("heartbeats_refused %d\n", r))
  io.write(string.format("heartbeats_sent %d\n", s))
  io.write(string.format("heartbeat_seconds %.3f\n", (last - first) / 1000))
  io.write(string.format("p99_ms %.3f\n", latency:percentile(99) / 1000))
  io.write(string.format("socket_errors %d\n", summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.status + summary.errors.timeout))
end
