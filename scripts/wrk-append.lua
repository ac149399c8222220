-- wrk script: each request appends ONE new transactional event (a new
-- rtEvent stream, status pending) with a client-generated eventId, as a
-- service would. Used by scripts/bench-serve.sh.
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() * 1000 + tid)
  token = os.getenv("BENCH_TOKEN") or ""
end

local function uuid()
  local t = {}
  for i = 1, 16 do t[i] = math.random(0, 255) end
  t[7] = (t[7] % 16) + 64   -- version 4
  t[9] = (t[9] % 64) + 128  -- variant
  local h = {}
  for i = 1, 16 do h[i] = string.format("%02x", t[i]) end
  return table.concat(h, "", 1, 4) .. "-" .. table.concat(h, "", 5, 6) .. "-" .. table.concat(h, "", 7, 8) .. "-" ..
         table.concat(h, "", 9, 10) .. "-" .. table.concat(h, "", 11, 16)
end

function request()
  counter = counter + 1
  local id = uuid()
  local body = '{"type":"EventStatusChanged","eventId":"' .. id ..
    '","data":{"instance":"exec-0' .. (counter % 3 + 1) .. '","eventId":"t' .. tid .. '-' .. id ..
    '","queue":"realtime","to":"pending","eventType":"ORDER_CONFIRMATION","channel":"email"}}'
  return wrk.format("POST", "/v1/events", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end

function response(status, headers, body)
  if status ~= 201 then
    io.stderr:write("unexpected status " .. status .. ": " .. body .. "\n")
  end
end
