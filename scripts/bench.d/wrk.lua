-- wrk script shared by every scripts/bench benchmark.
--
-- Environment (read once per wrk thread):
--   BENCH_METHOD    GET or POST (default GET)
--   BENCH_BODIES    file with one request body per line; wrk cycles through them
--                   (each thread starts at a different line)
--   BENCH_PATHS     file with one request path (and query) per line; wrk cycles through
--                   them (each thread starts at a different line), overriding the URL's path
--   BENCH_TOKEN     bearer token, sent as Authorization when set
--   BENCH_DELAY_MS  mean pause (ms) before each request on a connection, uniformly
--                   jittered in [0.5, 1.5) x mean; used to pace wrk to about a target
--                   rate for latency measurement (closed loop: NOT coordinated-omission
--                   corrected). Unset/0 = full speed.
--   BENCH_OUT       file the summary is written to as one JSON object (done())

local bodies = {}
local n = 0
local paths = {}
local np = 0
local ip = 0
local i = 0
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0") or 0
local threads_made = 0

setup = function(thread)
    thread:set("bench_thread_no", threads_made)
    threads_made = threads_made + 1
end

init = function(args)
    wrk.method = os.getenv("BENCH_METHOD") or "GET"
    local token = os.getenv("BENCH_TOKEN")
    if token and token ~= "" then
        wrk.headers["Authorization"] = "Bearer " .. token
    end
    local path = os.getenv("BENCH_BODIES")
    if path and path ~= "" then
        wrk.headers["Content-Type"] = "application/json"
        for line in io.lines(path) do
            if line ~= "" then
                n = n + 1
                bodies[n] = line
            end
        end
    end
    local ppath = os.getenv("BENCH_PATHS")
    if ppath and ppath ~= "" then
        for line in io.lines(ppath) do
            if line ~= "" then
                np = np + 1
                paths[np] = line
            end
        end
    end
    local t = bench_thread_no or 0
    i = t % math.max(n, 1)
    -- Threads start far apart in the path list.
    ip = math.floor(t * np / 2) % math.max(np, 1)
    math.randomseed(os.time() + t)
end

request = function()
    if np > 0 then
        ip = ip % np + 1
        return wrk.format(nil, paths[ip])
    end
    if n == 0 then
        return wrk.format()
    end
    i = i % n + 1
    return wrk.format(nil, nil, nil, bodies[i])
end

if delay_ms > 0 then
    delay = function()
        return math.floor(delay_ms * (0.5 + math.random()))
    end
end

done = function(summary, latency, requests)
    local secs = summary.duration / 1e6
    local e = summary.errors
    local out = string.format(
        '{"requests": %d, "duration_s": %.3f, "rps": %.1f, "bytes": %d, '
            .. '"p50_ms": %.3f, "p90_ms": %.3f, "p99_ms": %.3f, "max_ms": %.3f, "mean_ms": %.3f, '
            .. '"err_connect": %d, "err_read": %d, "err_write": %d, "err_timeout": %d, "err_status": %d}',
        summary.requests, secs, summary.requests / secs, summary.bytes,
        latency:percentile(50) / 1000, latency:percentile(90) / 1000,
        latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000,
        e.connect, e.read, e.write, e.timeout, e.status)
    local path = os.getenv("BENCH_OUT")
    if path and path ~= "" then
        local f = assert(io.open(path, "w"))
        f:write(out, "\n")
        f:close()
    else
        io.write(out, "\n")
    end
end
