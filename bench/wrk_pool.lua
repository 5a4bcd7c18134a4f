-- wrk script: every thread sends requests from its own precomputed pool file.
--
--   wrk -t T -c T ... -s bench/wrk_pool.lua <url> -- <pool-prefix> <once|cycle>
--
-- Thread i (1-based) reads <pool-prefix>.<i>. Each line is one request, tab-separated:
--   METHOD <TAB> PATH <TAB> BODY <TAB> Header-Name: value <TAB> Header-Name: value ...
-- (BODY may be empty; fields never contain tabs or newlines.)
--
-- Mode "once": each line is sent exactly once. The benchmark runs ONE connection per thread (-c == -t), so a
-- thread has at most one request in flight; after the response to its last line it stops its own event loop
-- before another request can be written, i.e. no request (and no signature nonce) is ever sent twice. The
-- thread then creates <pool-prefix>.done.<i> so that the driver knows when a bounded run is over (it then
-- SIGINTs wrk, which ends wrk's sleep and prints the summary).
-- <pool-prefix>.sentinel holds one harmless, state-free request line. It answers wrk's own verification call
-- (see request()), and, as a safety net, any request asked of a thread after its pool is used up (counted in
-- "overrun"; the driver fails the run if there are more than one per thread); responses that arrive after a
-- thread finished are ignored.
-- Mode "cycle": lines are reused round-robin (only for servers that don't refuse replays, i.e. moto).
--
-- done() prints one line "BENCHJSON {...}" with per-thread counts (responses, non-2xx, first error), the
-- monotonic time of each thread's first request and last response (LuaJIT ffi clock_gettime), and wrk's
-- own summary, so that the driver computes rates itself (wrk's own req/s divides by the whole -d duration,
-- which is wrong for bounded runs).

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } kwbench_timespec;
  int clock_gettime(int clk_id, kwbench_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local tsbuf = ffi.new("kwbench_timespec")
local function now()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, tsbuf)
  return tonumber(tsbuf.tv_sec) + tonumber(tsbuf.tv_nsec) / 1e9
end

-- ---------------------------------------------------------------- main state (setup / done)
local threads = {}
local next_id = 0

function setup(thread)
  next_id = next_id + 1
  thread:set("id", next_id)
  table.insert(threads, thread)
end

-- ---------------------------------------------------------------- thread state
local reqs = {}
local n = 0
local idx = 0
local mode = "once"
local prefix = nil
-- globals read back by done() through thread:get
got = 0
bad = 0
overrun = 0
exhausted = 0
t_first = -1
t_last = -1
first_bad = ""

local function split_tabs(line)
  local out = {}
  local start = 1
  while true do
    local i = string.find(line, "\t", start, true)
    if not i then
      table.insert(out, string.sub(line, start))
      return out
    end
    table.insert(out, string.sub(line, start, i - 1))
    start = i + 1
  end
end

local sentinel = nil

local function parse_line(line)
  local fields = split_tabs(line)
  local headers = {}
  for k = 4, #fields do
    local name, value = string.match(fields[k], "^([^:]+):%s*(.*)$")
    if name then headers[name] = value end
  end
  local body = fields[3]
  if body == "" then body = nil end
  return wrk.format(fields[1], fields[2], headers, body)
end

function init(args)
  prefix = args[1]
  mode = args[2] or "once"
  local path = prefix .. "." .. tostring(id)
  local f = assert(io.open(path, "r"), "cannot open pool file " .. path)
  for line in f:lines() do
    if #line > 0 then
      n = n + 1
      reqs[n] = parse_line(line)
    end
  end
  f:close()
  assert(n > 0, "empty pool file " .. path)
  if mode == "once" then
    local sf = assert(io.open(prefix .. ".sentinel", "r"), "mode once needs " .. prefix .. ".sentinel")
    sentinel = parse_line(sf:read("*l"))
    sf:close()
  end
end

local verify_call_pending = true

function request()
  -- wrk 4.1 calls request() once in the state of its FIRST thread, from the main thread before the run starts
  -- (script_verify_request: it parses the returned string to count pipelined requests) and never sends that
  -- string. Hand that call the sentinel so that no pool line is consumed without being sent. (Were a wrk version
  -- to skip this call, the sentinel would really be sent, answered with an error and the run would fail loudly.)
  if verify_call_pending and id == 1 and mode == "once" then
    verify_call_pending = false
    return sentinel
  end
  if t_first < 0 then t_first = now() end
  if exhausted == 1 then
    overrun = overrun + 1
    return sentinel
  end
  idx = idx + 1
  if idx > n then
    if mode == "cycle" then
      idx = 1
    else
      -- should not happen with one connection per thread (it stops right after its n-th response)
      overrun = overrun + 1
      return sentinel
    end
  end
  return reqs[idx]
end

function response(status, headers, body)
  if exhausted == 1 then return end
  got = got + 1
  t_last = now()
  if status < 200 or status > 299 then
    bad = bad + 1
    if first_bad == "" then
      first_bad = tostring(status) .. " " .. string.sub(body or "", 1, 300)
    end
  end
  if mode == "once" and got >= n then
    exhausted = 1
    local f = io.open(prefix .. ".done." .. tostring(id), "w")
    if f then f:write(tostring(got)); f:close() end
    wrk.thread:stop()
  end
end

-- ---------------------------------------------------------------- report (main state)
local function jstr(s)
  s = tostring(s)
  s = s:gsub('\\', '\\\\'):gsub('"', '\\"'):gsub('[%c]', function(c)
    return string.format("\\u%04x", string.byte(c))
  end)
  return '"' .. s .. '"'
end

function done(summary, latency, requests)
  local parts = {}
  for _, t in ipairs(threads) do
    table.insert(parts, string.format(
      '{"id":%d,"got":%d,"bad":%d,"overrun":%d,"exhausted":%d,"t_first":%.6f,"t_last":%.6f,"first_bad":%s}',
      t:get("id"), t:get("got"), t:get("bad"), t:get("overrun"), t:get("exhausted"),
      t:get("t_first"), t:get("t_last"), jstr(t:get("first_bad"))))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"threads":[%s],"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f}}\n',
    table.concat(parts, ","), summary.requests, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
