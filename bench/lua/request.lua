-- One wrk script for every scenario, steered by environment variables:
--   BENCH_TOKEN     adds "Authorization: Token <jwt>"
--   BENCH_MODE      get (default) | create | favorite | login | mixed (9 anonymous list reads, then a
--                   signed-in favorite or unfavorite: the 90/10 read/write mix) | search (?q= searches:
--                   half of them a selective title search for a random seeded article, half one of the
--                   terms that are in every seeded article, at a random one of the first five pages)
--   BENCH_ARTICLES  how many seeded articles (article-1 .. article-N) favorite picks from
--   BENCH_HOT       mixed: the slugs (space-separated) its writes pick from, the articles on the pages it
--                   reads (run.sh asks the API for them); without it, the newest seeded 60 (article-N ..)
--   BENCH_EMAIL / BENCH_PASSWORD  credentials for login
local mode = os.getenv("BENCH_MODE") or "get"
local token = os.getenv("BENCH_TOKEN")
local articles = tonumber(os.getenv("BENCH_ARTICLES") or "1000")
local hot = {}
for slug in string.gmatch(os.getenv("BENCH_HOT") or "", "%S+") do hot[#hot + 1] = slug end
local counter = 0
local pending = nil
-- Set by setup() as a global of each thread's own Lua state (a local here would hide it: every thread was 0,
-- so two threads drew the same "random" articles, titles and addresses).
thread_id = thread_id or 0
local next_thread = 0

wrk.headers["Content-Type"] = "application/json"
if token and token ~= "" then
  wrk.headers["Authorization"] = "Token " .. token
end

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_id", next_thread)
end

function init(args)
  math.randomseed(os.time() + (thread_id or 0) * 7919)
end

-- Writes report their failures (status and body) on stderr, so a non-2xx count has a reason.
if mode ~= "get" then
  function response(status, headers, body)
    if status >= 300 then io.stderr:write(status, " ", body, "\n") end
  end
end

function request()
  counter = counter + 1
  if mode == "create" then
    local title = string.format("Bench %d %d %d", thread_id or 0, counter, math.random(1, 1000000000))
    local body = string.format('{"article":{"title":"%s","description":"bench","body":"written by wrk","tagList":["bench","tag_1","tag_2"]}}', title)
    return wrk.format("POST", "/api/articles", nil, body)
  elseif mode == "favorite" then
    -- favorite an article, then unfavorite the same one: the pair leaves the data as it was
    if pending then
      local path = pending
      pending = nil
      return wrk.format("DELETE", path)
    end
    pending = string.format("/api/articles/article-%d/favorite", math.random(1, articles))
    return wrk.format("POST", pending)
  elseif mode == "mixed" then
    if counter % 10 ~= 0 then
      return wrk.format("GET", string.format("/api/articles?limit=20&offset=%d", (counter % 3) * 20), {})
    end
    local auth = { ["Authorization"] = "Token " .. (token or ""), ["Content-Type"] = "application/json" }
    if pending and counter % 20 == 0 then
      local path = pending
      pending = nil
      return wrk.format("DELETE", path, auth)
    end
    -- the articles on the very pages being read, so every write makes cached pages stale
    if #hot > 0 then
      pending = "/api/articles/" .. hot[math.random(1, #hot)] .. "/favorite"
    else
      pending = string.format("/api/articles/article-%d/favorite", articles - math.random(0, 59))
    end
    return wrk.format("POST", pending, auth)
  elseif mode == "search" then
    if counter % 2 == 0 then
      return wrk.format("GET", string.format("/api/articles?q=article%%20%d&limit=20", math.random(1, articles)))
    end
    local broad = { "lorem", "ipsum%20dolor", "%22dolor%20sit%22", "consectetur%20-nothing", "amet%20or%20elit" }
    return wrk.format("GET", string.format("/api/articles?q=%s&limit=20&offset=%d", broad[math.random(1, #broad)], math.random(0, 4) * 20))
  elseif mode == "login" then
    -- Many clients signing in, each from an address of its own (forwarded as nginx on loopback would): one
    -- account and one address would be held to 10 password checks at a time by the abuse protection.
    local body = string.format('{"user":{"email":"%s","password":"%s"}}', os.getenv("BENCH_EMAIL"), os.getenv("BENCH_PASSWORD"))
    local from = string.format("198.18.%d.%d", thread_id or 0, counter % 250 + 1)
    return wrk.format("POST", "/api/users/login", { ["Content-Type"] = "application/json", ["X-Forwarded-For"] = from }, body)
  end
  return wrk.format("GET")
end
