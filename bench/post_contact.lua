-- wrk script: POST the contact form as a browser would, and print the figures as one JSON line.
-- `elapsed_ms`: the page was open 30 s, as if the visitor took time to type (the form holds instant posts).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"

local origin = os.getenv("BENCH_ORIGIN")
if origin then wrk.headers["Origin"] = origin end
local counter = 0

request = function()
  counter = counter + 1
  local body = "name=Bench+Visitor&email=visitor" .. counter .. "%40example.com&phone=%2B1+303+555+0100"
    .. "&message=I+would+like+to+ask+about+ketamine+infusions+for+chronic+pain.&website="
    .. "&page=%2Fcontact%2F&elapsed_ms=30000"
  return wrk.format(nil, nil, nil, body)
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bad_status": %d, "socket_errors": %d, "p50_us": %d, "p99_us": %d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
