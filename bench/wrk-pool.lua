-- wrk script for bench/load-worker.ts. Cycles through a pool of prepared requests, formatted once in
-- init so that each request costs a table read, and prints the run's summary as one JSON line.
-- Pool file: one request per line, tab-separated: header name, value, name, value, ..., body (the
-- last field, possibly empty). JSON bodies and header values never hold a raw tab or newline.
local pool = {}
local next_index = 0

local function split_tabs(line)
  local fields, start = {}, 1
  while true do
    local tab = string.find(line, "\t", start, true)
    if not tab then
      fields[#fields + 1] = string.sub(line, start)
      return fields
    end
    fields[#fields + 1] = string.sub(line, start, tab - 1)
    start = tab + 1
  end
end

function init(args)
  local method, pool_file = args[1], args[2]
  for line in io.lines(pool_file) do
    local fields = split_tabs(line)
    local headers = {}
    for i = 1, #fields - 1, 2 do headers[fields[i]] = fields[i + 1] end
    local body = fields[#fields]
    if body == "" then body = nil end
    pool[#pool + 1] = wrk.format(method, nil, headers, body)
  end
end

function request()
  next_index = next_index % #pool + 1
  return pool[next_index]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,' ..
    '"p50":%d,"p95":%d,"p99":%d}\n',
    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
