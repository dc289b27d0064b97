#!/bin/bash
# test_parse_realstack.sh - real servers write logs, `klaxon parse` must
# understand every line of them.
#
# Runs capture.sh into a fresh directory (private nginx, gunicorn, uwsgi on
# 127.0.0.1 and unix sockets; bounded, stopped on exit), then runs
# `$KLAXON parse --format F [--log-format S] FILE` on each log and checks,
# with /usr/bin/python3's json module, that
#   - no line became a {"parse_error": ...} object, and every event carries its
#     raw `line` and, where the format has one, `time` as ISO 8601 UTC with ms;
#   - the single-line formats gave one event per line, in order;
#   - the classifications klaxon's rules rely on are there: body_too_large with
#     body_bytes 10240, upstream_connect_failed with errno 11 / 111 / 2,
#     upstream_timed_out, upstream_prematurely_closed, no_live_upstreams,
#     worker_connections_exhausted; gunicorn's worker_timeout with worker_pid
#     and error_handling_request with its traceback; uwsgi's HARAKIRI as
#     worker_timeout, its worker death as worker_killed (signal 9), its
#     listen queue numbers;
#   - access logs give status 413/499/502/503/504 as numbers, -502 from the app,
#     "socket" with client_disconnected, request_time as a number wherever the
#     format logs it, the X-Api-Key.
# Needs: nginx gunicorn python3-gunicorn python3-gevent uwsgi-core
# uwsgi-plugin-python3 curl procps (a missing one fails the test).

set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source-path=SCRIPTDIR source=stack.sh
. "$HERE/stack.sh"

fail() {
	echo "FAIL: $*"
	exit 1
}

[ -n "${KLAXON:-}" ] || fail "KLAXON is not set (run through tests/integration/run.sh)"
[ -x "$KLAXON" ] || fail "$KLAXON is not an executable (make first)"

missing=""
for p in nginx gunicorn python3-gunicorn python3-gevent uwsgi-core \
	uwsgi-plugin-python3 curl procps; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] || fail "missing Debian packages:$missing (make deps)"

work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 143' TERM INT HUP
logs=$work/logs
out=$work/parsed
mkdir -p "$out"

"$HERE/capture.sh" "$logs" || fail "capture.sh failed"

# parse NAME FORMAT LOGFILE [LOG_FORMAT]: klaxon's JSON lines in $out/NAME.jsonl
parse() {
	local name=$1 format=$2 file=$3
	local args=(parse --format "$format")
	[ $# -ge 4 ] && args+=(--log-format "$4")
	"$KLAXON" "${args[@]}" "$logs/$file" >"$out/$name.jsonl" 2>"$out/$name.err" ||
		fail "klaxon ${args[*]} $file exited $?: $(tail -3 "$out/$name.err")"
}

parse nginx_error nginx_error nginx-error.log
parse nginx_small_error nginx_error nginx-small-error.log
parse nginx_combined nginx_access nginx-access-combined.log
parse nginx_timed nginx_access nginx-access-timed.log "$STACK_FMT_TIMED"
parse nginx_json nginx_access nginx-access-json.log "escape=json $STACK_FMT_JSON"
parse gunicorn_access gunicorn_access gunicorn-access.log
parse gunicorn_tiny_access gunicorn_access gunicorn-tiny-access.log
parse gunicorn_gevent_access gunicorn_access gunicorn-gevent-access.log
parse gunicorn_pywsgi_access gunicorn_access gunicorn-pywsgi-access.log
parse gunicorn_custom_access gunicorn_access gunicorn-access-custom.log \
	"$STACK_FMT_GUNICORN_CUSTOM"
parse gunicorn_error gunicorn_error gunicorn-error.log
parse gunicorn_wt_error gunicorn_error gunicorn-wt-error.log
parse gunicorn_tiny_error gunicorn_error gunicorn-tiny-error.log
parse gunicorn_custom_error gunicorn_error gunicorn-error-custom.log
parse uwsgi uwsgi uwsgi.log

/usr/bin/python3 - "$logs" "$out" <<'PY' || fail "parsed events do not match the real logs (see above)"
import json
import math
import os
import re
import sys

logs, out = sys.argv[1], sys.argv[2]
problems = []
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def bad(name, msg):
    problems.append("%s: %s" % (name, msg))


def load(name, logfile, one_per_line, needs_time=True):
    """Events of NAME; checks parse errors, line, time and, for single-line
    formats, that event i is line i of LOGFILE."""
    evs = []
    path = os.path.join(out, name + ".jsonl")
    with open(path, encoding="utf-8") as f:
        for n, text in enumerate(f, 1):
            try:
                o = json.loads(text)
            except ValueError as e:
                bad(name, "output line %d is not JSON (%s): %r" % (n, e, text[:200]))
                continue
            if not isinstance(o, dict):
                bad(name, "output line %d is not an object" % n)
                continue
            if "parse_error" in o:
                bad(name, "parse_error %r on %r" % (o["parse_error"], o.get("line", "")[:200]))
                continue
            if not isinstance(o.get("line"), str) or not o["line"]:
                bad(name, "event %d has no raw line" % n)
            if needs_time or "time" in o:
                t = o.get("time")
                if not isinstance(t, str) or not ISO.match(t):
                    bad(name, "event %d: time %r is not ISO 8601 UTC with ms" % (n, t))
            evs.append(o)
    if not evs:
        bad(name, "no events at all")
    if one_per_line:
        with open(os.path.join(logs, logfile), encoding="utf-8",
                  errors="surrogateescape") as f:
            raw = [l.rstrip("\n") for l in f if l.strip()]
        if len(raw) != len(evs):
            bad(name, "%d lines in %s but %d events" % (len(raw), logfile, len(evs)))
        for i, (l, e) in enumerate(zip(raw, evs), 1):
            if e.get("line") != l:
                bad(name, "event %d line %r != log line %r" % (i, e.get("line"), l))
                break
    return evs


def num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def where(evs, **kw):
    return [e for e in evs if all(e.get(k) == v for k, v in kw.items())]


def need(name, evs, what, n=1, **kw):
    got = where(evs, **kw)
    if len(got) < n:
        bad(name, "want >= %d events with %s, got %d" % (n, what or kw, len(got)))
    return got


def statuses(name, evs, want):
    have = {e.get("status") for e in evs}
    for s in want:
        if s not in have:
            bad(name, "no event with status %r (have %s)" % (s, sorted(map(str, have))))
    for e in evs:
        if "status" in e and not num(e["status"]):
            bad(name, "status %r is not a number in %r" % (e["status"], e["line"][:160]))
            break


def raw_count(logfile, pattern):
    with open(os.path.join(logs, logfile), encoding="utf-8", errors="surrogateescape") as f:
        return sum(1 for l in f if re.search(pattern, l))


# ---- nginx error log ------------------------------------------------------
name = "nginx_error"
ev = load(name, "nginx-error.log", True)
for e in ev:
    if e.get("level") not in ("debug", "info", "notice", "warn", "error", "crit", "alert", "emerg"):
        bad(name, "level %r in %r" % (e.get("level"), e["line"][:120]))
        break
    if not num(e.get("pid")) or not num(e.get("cid", 0)):
        bad(name, "pid/cid not numbers in %r" % e["line"][:120])
        break
btl = need(name, ev, "error=body_too_large, body_bytes=10240", 2,
           error="body_too_large", body_bytes=10240)
for e in btl:
    if e.get("request") != "POST /upload HTTP/1.1" or e.get("client") != "127.0.0.1":
        bad(name, "body_too_large without request/client: %r" % e)
        break
n11 = raw_count("nginx-error.log", r"failed \(11: Resource temporarily unavailable\)")
need(name, ev, "errno 11 connect failures", max(n11, 1),
     error="upstream_connect_failed", errno=11)
for e in where(ev, error="upstream_connect_failed", errno=11):
    if "tiny.sock" not in (e.get("upstream") or "") or e.get("errno_text") != "Resource temporarily unavailable":
        bad(name, "errno 11 event without upstream/errno_text: %r" % e)
        break
need(name, ev, "errno 111 connect failures", raw_count("nginx-error.log", r"\(111: "),
     error="upstream_connect_failed", errno=111)
need(name, ev, "errno 2 connect failures",
     raw_count("nginx-error.log", r"connect\(\) to unix:.*\(2: "),
     error="upstream_connect_failed", errno=2)
need(name, ev, "upstream_timed_out with errno 110",
     raw_count("nginx-error.log", r"upstream timed out \(110"),
     error="upstream_timed_out", errno=110)
need(name, ev, "upstream_prematurely_closed",
     raw_count("nginx-error.log", r"upstream prematurely closed"),
     error="upstream_prematurely_closed")
need(name, ev, "no_live_upstreams", raw_count("nginx-error.log", r"no live upstreams"),
     error="no_live_upstreams")

name = "nginx_small_error"
ev = load(name, "nginx-small-error.log", True)
need(name, ev, "worker_connections_exhausted",
     max(1, raw_count("nginx-small-error.log", r"worker_connections are not enough")),
     error="worker_connections_exhausted")

# ---- nginx access logs (the same requests in three formats) ---------------
acc = {}
for name, logfile in (("nginx_combined", "nginx-access-combined.log"),
                      ("nginx_timed", "nginx-access-timed.log"),
                      ("nginx_json", "nginx-access-json.log")):
    acc[name] = ev = load(name, logfile, True)
    statuses(name, ev, (200, 400, 404, 413, 499, 502, 503, 504))
    up = where(ev, path="/upload", status=413)
    if len(up) < 2:
        bad(name, "want two 413 on /upload, got %d" % len(up))
    for e in ev:
        if e.get("remote_addr") != "127.0.0.1":
            bad(name, "remote_addr %r in %r" % (e.get("remote_addr"), e["line"][:120]))
            break
        if not num(e.get("body_bytes_sent")):
            bad(name, "body_bytes_sent %r in %r" % (e.get("body_bytes_sent"), e["line"][:120]))
            break
    if name == "nginx_combined":
        continue
    for e in ev:
        if not num(e.get("request_time")):
            bad(name, "request_time %r is not a number in %r" % (e.get("request_time"), e["line"][:160]))
            break
    if not where(ev, http_x_api_key="key-gamma"):
        bad(name, "no event with http_x_api_key key-gamma")
    slow = [e["request_time"] for e in where(ev, status=504) if num(e.get("request_time"))]
    if not slow or min(slow) < 0.9:
        bad(name, "504 events should have request_time >= 1 s, got %r" % slow)
if len({len(v) for v in acc.values()}) != 1:
    bad("nginx_access", "the three access logs gave %r events" % {k: len(v) for k, v in acc.items()})

# ---- gunicorn access logs --------------------------------------------------
name = "gunicorn_access"
ev = load(name, "gunicorn-access.log", True)
statuses(name, ev, (200, 404, 500, -502))
if not where(ev, path="/api/contacts"):
    bad(name, "no /api/contacts event")
ev = load("gunicorn_tiny_access", "gunicorn-tiny-access.log", True)
statuses("gunicorn_tiny_access", ev, (200,))
ev = load("gunicorn_gevent_access", "gunicorn-gevent-access.log", True)
statuses("gunicorn_gevent_access", ev, (200, -502))

name = "gunicorn_custom_access"
ev = load(name, "gunicorn-access-custom.log", True)
statuses(name, ev, (200, 500, -502))
for e in ev:
    if not num(e.get("request_time")):
        bad(name, "request_time %r in %r" % (e.get("request_time"), e["line"][:160]))
        break
keyed = where(ev, http_x_api_key="key-alpha")
if len(keyed) != 2:
    bad(name, "want 2 events with http_x_api_key key-alpha, got %d" % len(keyed))
for e in where(ev, path="/api/sync_deltas"):
    if not (0.1 <= e.get("request_time", 0) < 2):
        bad(name, "sync_deltas?t=0.12 request_time %r" % e.get("request_time"))

# gevent_pywsgi: a client that went away is logged with status "socket"
# (client_disconnected); normal responses with the status as b'200 OK'.
name = "gunicorn_pywsgi_access"
ev = load(name, "gunicorn-pywsgi-access.log", True)
statuses(name, [e for e in ev if e.get("status") != "socket"], (200, -502))
sock = [e for e in ev if e.get("status") == "socket"]
if not sock or len(sock) != raw_count("gunicorn-pywsgi-access.log", r'" socket '):
    bad(name, "%d socket events for the socket lines" % len(sock))
for e in sock:
    if e.get("client_disconnected") != 1:
        bad(name, "socket line without client_disconnected: %r" % e)

# ---- gunicorn error logs ---------------------------------------------------
for name, logfile in (("gunicorn_error", "gunicorn-error.log"),
                      ("gunicorn_wt_error", "gunicorn-wt-error.log"),
                      ("gunicorn_tiny_error", "gunicorn-tiny-error.log"),
                      ("gunicorn_custom_error", "gunicorn-error-custom.log")):
    ev = load(name, logfile, False)
    heads = raw_count(logfile, r"^\[\d{4}-\d\d-\d\d ")
    if len(ev) != heads:
        bad(name, "%d head lines but %d events (tracebacks must join their head)" % (heads, len(ev)))
    for e in ev:
        if not num(e.get("pid")) or not e.get("level"):
            bad(name, "pid/level missing in %r" % e["line"][:120])
            break
    if name in ("gunicorn_error", "gunicorn_custom_error"):
        ehr = need(name, ev, "error_handling_request", 1, error="error_handling_request")
        for e in ehr:
            tb = e.get("traceback") or ""
            if "Traceback (most recent call last)" not in tb or "RuntimeError: boom" not in tb:
                bad(name, "error_handling_request without its traceback: %r" % e)
    if name == "gunicorn_wt_error":
        wt = need(name, ev, "worker_timeout", 1, error="worker_timeout")
        for e in wt:
            m = re.search(r"WORKER TIMEOUT \(pid:(\d+)\)", e["line"])
            if not m or e.get("worker_pid") != int(m.group(1)):
                bad(name, "worker_timeout worker_pid %r for %r" % (e.get("worker_pid"), e["line"]))

# ---- uwsgi -------------------------------------------------------------------
name = "uwsgi"
ev = load(name, "uwsgi.log", False, needs_time=False)
req = [e for e in ev if "status" in e]
if len(req) != raw_count("uwsgi.log", r"^\[pid: \d+\|app: "):
    bad(name, "%d request lines but %d events with a status" %
        (raw_count("uwsgi.log", r"^\[pid: \d+\|app: "), len(req)))
statuses(name, req, (200, 500))
for e in req:
    if not num(e.get("request_time")) or "/uwsgi/" not in (e.get("path") or e.get("request") or ""):
        bad(name, "request line without request/request_time: %r" % e)
        break
lq = [e for e in ev if e.get("listen_queue_max") == 2 and num(e.get("listen_queue"))]
nlq = raw_count("uwsgi.log", r"listen queue of socket .* full")
if nlq == 0 or len(lq) != nlq:
    bad(name, "%d listen-queue-full lines, %d events with listen_queue(_max)" % (nlq, len(lq)))
hk = [e for e in ev if "HARAKIRI ON WORKER" in e.get("line", "")]
if not hk or not all(num(e.get("worker_pid")) and e.get("error") == "worker_timeout" for e in hk):
    bad(name, "HARAKIRI not a worker_timeout with worker_pid: %r" % hk)
dead = [e for e in ev if e.get("line", "").startswith("DAMN ! worker")]
if not dead or not all(e.get("error") == "worker_killed" and e.get("signal") == 9 and
                       num(e.get("worker_pid")) for e in dead):
    bad(name, "worker death not a worker_killed with signal 9 and worker_pid: %r" % dead)

# ---- summary ---------------------------------------------------------------
for p in problems:
    print("  " + p)
print("%d problems" % len(problems))
sys.exit(1 if problems else 0)
PY
echo "ok: every real log line parsed and classified"
