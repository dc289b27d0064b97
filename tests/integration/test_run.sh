#!/bin/bash
# klaxon run, live, on a scratch directory (about 15 s):
#  - every line is counted exactly once through a rename + create (with
#    lines appended to the renamed file before the new one exists, as a
#    writer that has not reopened yet does) and a copytruncate: a rule
#    counting all lines over an hour repeats its value every second, and
#    the last value is the number of lines written;
#  - a burst of 5xx fires with the JSON object dry-run --json prints;
#  - SIGHUP with a broken rule file keeps the running rules and says
#    file:line; a fixed file is then loaded; SIGTERM exits 0 at once;
#  - dry-run over the files the live run read fires the 5xx rule at the
#    same second with the same value (what dry-run prints is what live
#    sent).
set -u
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

mkdir -p "$tmp/logs"
cat >"$tmp/k.conf" <<EOF
inputs = { web = { format = "nginx_access"; path = "$tmp/logs/access.log";
  log_format = "\$remote_addr [\$time_local] \"\$request\" \$status"; }; };
sinks = { console = { type = "console"; format = "json"; }; };
default_notify = ["console"];
state_dir = "$tmp/state";
rules = ["$tmp/rules.conf"];
EOF
cat >"$tmp/rules.conf" <<'EOF'
lines: { sources = ["web"]; value = "count()"; window = "1h";
  alert_if = ">= 1"; repeat = "1s"; };
errors: { sources = ["web"]; where = "status >= 500"; value = "count()";
  window = "1m"; alert_if = ">= 3"; };
EOF
: >"$tmp/logs/access.log"
"$KLAXON" run -c "$tmp/k.conf" >"$tmp/out.jsonl" 2>"$tmp/err.log" &
pid=$!
sleep 1

ts() { date -u +'%d/%b/%Y:%H:%M:%S +0000'; }
lines() { # lines FILE N STATUS
	local i now
	now=$(ts)
	for i in $(seq 1 "$2"); do
		printf '203.0.113.7 [%s] "GET /p%d HTTP/1.1" %s\n' "$now" "$i" "$3"
	done >>"$1"
}
lines "$tmp/logs/access.log" 100 200
sleep 0.5
mv "$tmp/logs/access.log" "$tmp/logs/access.log.1"
lines "$tmp/logs/access.log.1" 10 200 # the writer has not reopened yet
sleep 0.3
lines "$tmp/logs/access.log" 97 200
sleep 0.3
lines "$tmp/logs/access.log.1" 5 200 # still on the old file
lines "$tmp/logs/access.log" 3 502
sleep 0.5
cp "$tmp/logs/access.log" "$tmp/logs/access.log.2"
truncate -s 0 "$tmp/logs/access.log"
lines "$tmp/logs/access.log" 85 200
# 100 + 10 + 97 + 5 + 3 + 85 = 300 lines; the engine sees the last second once
# the clock (wall time less 5 s of slack) has passed it.
sleep 9

kill -HUP "$pid"
printf 'broken: { value = "count(" ; };\n' >>"$tmp/rules.conf"
kill -HUP "$pid"
sleep 1
kill -0 "$pid" 2>/dev/null || fail "klaxon run died on a broken rule file"
grep -q "rules.conf:5:" "$tmp/err.log" ||
	fail "no file:line for the broken rule: $(tail -3 "$tmp/err.log")"
grep -q "reload failed: the running rules stay" "$tmp/err.log" ||
	fail "a failed reload is not reported"
sed -i '$d' "$tmp/rules.conf"
kill -HUP "$pid"
sleep 1
grep -q "reloaded: 2 rules" "$tmp/err.log" || fail "the fixed rules are not reloaded"

t0=$EPOCHREALTIME
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
[ "$rc" -eq 0 ] || fail "exit $rc on SIGTERM"
awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { exit !(b - a < 2) }' ||
	fail "SIGTERM took more than 2 s"

/usr/bin/python3 - "$tmp/out.jsonl" <<'PY' || fail "the live output is wrong: $(tail -5 "$tmp/out.jsonl")"
import json, sys
objs = [json.loads(l) for l in open(sys.argv[1])]
lines = [o for o in objs if o["rule"] == "lines"]
errors = [o for o in objs if o["rule"] == "errors"]
assert lines, "no transition of the counting rule"
last = lines[-1]["value"]
assert last == 300, "the last count is %s, not 300" % last
assert any(o["state"] == "firing" and o["value"] == 3 for o in errors), errors
for o in objs:
    for k in ("at", "rule", "state", "group", "value", "summary", "dedup_key"):
        assert k in o, (k, o)
PY

# Fidelity: dry-run over the files the live run read gives the same
# firing of the 5xx rule, to the second, with the same value and key.
(cd "$tmp" && "$KLAXON" dry-run --json -c "$tmp/k.conf" \
    --input "web=$tmp/logs/access.log.1" --input "web=$tmp/logs/access.log.2" \
    --input "web=$tmp/logs/access.log" >"$tmp/dry.jsonl" 2>"$tmp/dry.err") ||
	fail "dry-run of the live files failed: $(cat "$tmp/dry.err")"
/usr/bin/python3 - "$tmp/out.jsonl" "$tmp/dry.jsonl" <<'PY' || fail "live and dry-run disagree"
import json, sys
def firing(path):
    return [(o["at"], o["value"], o["dedup_key"], o["summary"])
            for o in map(json.loads, open(path))
            if o["rule"] == "errors" and o["state"] == "firing"]
live, dry = firing(sys.argv[1]), firing(sys.argv[2])
assert live and live == dry, (live, dry)
PY

[ "$fails" -eq 0 ] || { cat "$tmp/err.log"; exit 1; }
echo "run: all checks passed"
