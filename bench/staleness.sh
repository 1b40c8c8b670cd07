#!/usr/bin/env bash
# The staleness checker: one sequential client that, until a deadline, writes an article of its own and
# at once reads it back the ways readers do, and counts every read that misses the write it has just seen
# acknowledged. bench/run.sh runs it alongside the mixed 90/10 load (wrk cannot tie a response to its
# request, so the checks cannot live in the Lua script).
#
#   bench/staleness.sh WRITE_URL SECONDS OUT_FILE [READ_URL ...]
#
# WRITE_URL is the API the writes go to; the reads go to every READ_URL (default: WRITE_URL), so a read
# through another instance checks that its cache has applied the write too. BENCH_TOKEN (required) signs
# the writes and the signed-in reads. OUT_FILE receives one line: "<checks> <stale> <errors>"; the first
# stale reads and errors are described on stderr. Exit status: 0 when every check saw its write, 1 when
# a read was stale, a write failed, or nothing was checked.
#
# Each round i (all requests sequential, each sent only after the previous answer arrived; plain GETs:
# no If-None-Match, no client-side caching):
#   PUT  /api/articles/<slug> description "check-<run>-<i>"   (200 and the new description: acknowledged)
#     anonymous GET /api/articles/<slug>          shows that description
#     anonymous GET /api/articles?limit=20        holds the slug, with that description
#   POST /api/articles/<slug>/favorite            (200, favoritesCount 1)
#     anonymous GET /api/articles/<slug>          favoritesCount 1
#     signed-in GET /api/articles?limit=20        favorited true, favoritesCount 1 (the viewer's overlay)
#   DELETE /api/articles/<slug>/favorite          (200, favoritesCount 0)
#     anonymous GET /api/articles?limit=20        favoritesCount 0
#     signed-in GET /api/articles/<slug>          favorited false, favoritesCount 0
# The article is created first (so it is the newest, on the first page the mixed load reads) and deleted
# at the end. Loopback only; every request has a 10 s timeout, and the loop ends at the deadline.
#
# BENCH_STALENESS_SELFTEST=1 makes the checker expect the previous round's description instead of the
# one it has just written (what a cache one write behind would show): every description check must then
# count as stale and the exit status must be 1. It proves the checker can fail; never set it otherwise.
set -euo pipefail

if [ $# -lt 3 ]; then
  echo "usage: bench/staleness.sh WRITE_URL SECONDS OUT_FILE [READ_URL ...]" >&2
  exit 2
fi
: "${BENCH_TOKEN:?BENCH_TOKEN must hold the token of the user that writes}"
command -v python3 >/dev/null 2>&1 || { echo "staleness.sh needs python3" >&2; exit 1; }

# Python, not curl and jq in a loop: one process with kept-alive connections checks far more rounds and
# takes far less of the CPU the measured load runs on than two processes spawned per request would.
exec python3 - "$@" <<'PY'
import http.client, json, os, sys, time, urllib.parse

write_url, seconds, out_file = sys.argv[1], float(sys.argv[2].rstrip("s")), sys.argv[3]
read_urls = sys.argv[4:] or [write_url]
token = os.environ["BENCH_TOKEN"]
selftest = os.environ.get("BENCH_STALENESS_SELFTEST") == "1"
run = f"{int(time.time())}-{os.getpid()}"
deadline = time.monotonic() + seconds

connections = {}

def request(base, method, path, body=None, signed=False):
    """One request on a kept-alive connection to base; (status, parsed JSON or None)."""
    parts = urllib.parse.urlsplit(base)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"staleness.sh: loopback only, not {base}")
    headers = {"Accept": "application/json"}
    if signed:
        headers["Authorization"] = "Token " + token
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    for attempt in (1, 2):
        connection = connections.get(base)
        if connection is None:
            connection = connections[base] = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            break
        except (http.client.HTTPException, OSError):
            connection.close()
            connections.pop(base, None)
            # A kept-alive connection the server closed: reconnect once. Not for writes: a retried write
            # could be applied twice, so its failure counts as an error instead.
            if attempt == 2 or method not in ("GET", "DELETE"):
                raise
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    return response.status, parsed

checks = stale = errors = 0
reported = 0

def report(line):
    global reported
    if reported < 10:
        print("staleness: " + line, file=sys.stderr)
    reported += 1

def error(what):
    global errors
    errors += 1
    report("error: " + what)

def check(what, ok, seen, wanted):
    global checks, stale
    checks += 1
    if not ok:
        stale += 1
        report(f"STALE {what}: expected {wanted}, saw {seen}")

def article_of(base, slug, signed):
    status, body = request(base, "GET", "/api/articles/" + urllib.parse.quote(slug), signed=signed)
    if status != 200 or not body or "article" not in body:
        error(f"GET article {slug} via {base}: {status}")
        return None
    return body["article"]

def listed(base, slug, signed):
    """The slug's item on the first page of the list, {} when absent (stale too), None on an error."""
    status, body = request(base, "GET", "/api/articles?limit=20", signed=signed)
    if status != 200 or not body or "articles" not in body:
        error(f"GET /api/articles?limit=20 via {base}: {status}")
        return None
    return next((item for item in body["articles"] if item.get("slug") == slug), {})

def write(method, path, body=None):
    try:
        status, reply = request(write_url, method, path, body, signed=True)
    except (http.client.HTTPException, OSError) as failure:
        error(f"{method} {path}: {failure}")
        return None
    if status != 200 or not reply or "article" not in reply:
        error(f"{method} {path}: {status} {json.dumps(reply)[:200]}")
        return None
    return reply["article"]

status, created = request(write_url, "POST", "/api/articles", {"article": {
    "title": f"Staleness check {run}", "description": f"check-{run}-0",
    "body": "written and read back by bench/staleness.sh", "tagList": ["bench"]}}, signed=True)
if status != 201:
    print(f"staleness: could not create the checker's article: {status} {json.dumps(created)[:300]}", file=sys.stderr)
    with open(out_file, "w") as out:
        out.write("0 0 1\n")
    sys.exit(1)
slug = created["article"]["slug"]
path = "/api/articles/" + urllib.parse.quote(slug)

rounds = 0
try:
    while time.monotonic() < deadline and errors == 0:
        rounds += 1
        text = f"check-{run}-{rounds}"
        expected = f"check-{run}-{rounds - 1}" if selftest else text
        ack = write("PUT", path, {"article": {"description": text}})
        if ack is None:
            break
        if ack.get("description") != text:
            error(f"PUT {slug} acknowledged description {ack.get('description')!r}, not {text!r}")
            break
        for base in read_urls:
            article = article_of(base, slug, signed=False)
            if article is not None:
                check(f"anonymous article via {base} after PUT {text}", article["description"] == expected,
                      repr(article["description"]), repr(expected))
            item = listed(base, slug, signed=False)
            if item is not None:
                check(f"anonymous list via {base} after PUT {text}", item.get("description") == expected,
                      repr(item.get("description")) if item else "the article absent from the first page", repr(expected))

        ack = write("POST", path + "/favorite")
        if ack is None:
            break
        for base in read_urls:
            article = article_of(base, slug, signed=False)
            if article is not None:
                check(f"anonymous article via {base} after favorite", article["favoritesCount"] == 1,
                      f"favoritesCount {article['favoritesCount']}", "favoritesCount 1")
            item = listed(base, slug, signed=True)
            if item is not None:
                check(f"signed-in list via {base} after favorite",
                      item.get("favorited") is True and item.get("favoritesCount") == 1 and item.get("description") == expected,
                      json.dumps({k: item.get(k) for k in ("favorited", "favoritesCount", "description")}) if item
                      else "the article absent from the first page",
                      json.dumps({"favorited": True, "favoritesCount": 1, "description": expected}))

        ack = write("DELETE", path + "/favorite")
        if ack is None:
            break
        for base in read_urls:
            item = listed(base, slug, signed=False)
            if item is not None:
                check(f"anonymous list via {base} after unfavorite", item.get("favoritesCount") == 0,
                      f"favoritesCount {item.get('favoritesCount')}" if item else "the article absent from the first page",
                      "favoritesCount 0")
            article = article_of(base, slug, signed=True)
            if article is not None:
                check(f"signed-in article via {base} after unfavorite",
                      article["favorited"] is False and article["favoritesCount"] == 0,
                      json.dumps({k: article[k] for k in ("favorited", "favoritesCount")}),
                      json.dumps({"favorited": False, "favoritesCount": 0}))
except (http.client.HTTPException, OSError) as failure:
    error(f"a read failed: {failure}")
finally:
    # Leave the data as it was: the checker's article goes (its favorite and edits with it).
    try:
        request(write_url, "DELETE", path, signed=True)
    except (http.client.HTTPException, OSError):
        pass
    with open(out_file, "w") as out:
        out.write(f"{checks} {stale} {errors}\n")

print(f"staleness: {rounds} rounds, {checks} checks, {stale} stale, {errors} errors ({slug})", file=sys.stderr)
sys.exit(1 if stale or errors or checks == 0 else 0)
PY
