#!/bin/bash
# klaxon dry-run and check on time that goes wrong (issue 8):
#  - a line dated far ahead of its neighbours (9999, 2031) does not move the
#    clock: the 5xx burst after it fires, and the line is counted per input
#    as out of time; so is a line dated 1970 in the middle;
#  - a genuine gap (a host down for days, the next rotated file starting
#    days later, a sparse log) is not mistaken for a wild line;
#  - a steady error stream in a zone-less nginx error log goes on through
#    both changes of the year (Europe/Berlin, Australia/Sydney,
#    America/Santiago) without resolving or dropping a line;
#  - a log_format without a time: check warns (file:line), dry-run counts
#    the events it could not place in time;
#  - an unknown $TZ is reported as a time zone, not as a log_format.
# The logs are generated here, from fixed instants.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# dry OUT CONF LOG...: text dry-run (timeline + summary), exit status in rc.
dry() {
	local out=$1 conf=$2
	shift 2
	(cd "$tmp" && "$KLAXON" dry-run -c "$conf" "$@" >"$out" 2>&1)
	rc=$?
}

cat >"$tmp/web.conf" <<'EOF'
inputs = { web = { format = "nginx_access"; path = "access.log";
  log_format = "$remote_addr [$time_local] \"$request\" $status"; }; };
sinks = { console = { type = "console"; }; };
default_notify = ["console"];
state_dir = "/tmp/klaxon-time-test";
rules = ["web-rules.conf"];
EOF
cat >"$tmp/web-rules.conf" <<'EOF'
errors: { sources = ["web"]; where = "status >= 500";
  value = "count()"; window = "1m"; alert_if = ">= 10"; };
EOF

# access LINES...: nginx lines from "epoch:status" pairs; "wild:TEXT" is a
# line whose $time_local is TEXT.
access() {
	/usr/bin/python3 - "$@" <<'PY'
import sys, time
for a in sys.argv[1:]:
    k, v = a.split(":", 1)
    if k == "wild":
        ts = v
    else:
        ts = time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(int(k)))
    st = v if k != "wild" else "200"
    print('203.0.113.9 [%s] "GET /x HTTP/1.1" %s' % (ts, st))
PY
}
# seq_lines FROM COUNT STEP STATUS: COUNT "epoch:status" pairs.
seq_lines() {
	local t=$1 i
	for ((i = 0; i < $2; i++)); do
		echo "$((t + i * $3)):$4"
	done
}

t0=1795341600 # 2026-11-22T10:00:00Z

# 1. A wild line ahead, then a burst: the burst fires.
for wild in "31/Dec/9999:00:00:00 +0000" "22/Nov/2031:10:05:00 +0000"; do
	mapfile -t l < <(seq_lines "$t0" 300 1 200)
	mapfile -t b < <(seq_lines $((t0 + 301)) 30 1 500)
	access "${l[@]}" "wild:$wild" "${b[@]}" >"$tmp/access.log"
	dry "$tmp/w.out" "$tmp/web.conf" "$tmp/access.log"
	[ "$rc" -eq 0 ] || fail "wild $wild: exit $rc: $(tail -3 "$tmp/w.out")"
	grep -q "FIRING   errors" "$tmp/w.out" ||
		fail "wild $wild: the 5xx burst after it did not fire"
	grep -Eq "^  web .* 1 out of time" "$tmp/w.out" ||
		fail "wild $wild: not counted out of time: $(grep '^  web' "$tmp/w.out")"
done

# 2. A line dated 1970 in the middle is counted the same way.
mapfile -t l < <(seq_lines "$t0" 100 1 200)
mapfile -t b < <(seq_lines $((t0 + 101)) 30 1 500)
access "${l[@]}" "wild:01/Jan/1970:00:00:00 +0000" "${b[@]}" >"$tmp/access.log"
dry "$tmp/back.out" "$tmp/web.conf" "$tmp/access.log"
grep -Eq "^  web .* 1 out of time" "$tmp/back.out" ||
	fail "a line dated 1970: not counted out of time: $(grep '^  web' "$tmp/back.out")"
grep -q "FIRING   errors" "$tmp/back.out" || fail "a line dated 1970: the burst did not fire"

# 3. Genuine gaps: three days without lines in one file, and a rotated
#    file starting three days after the last line of the one before.
gap=$((3 * 86400))
mapfile -t l < <(seq_lines "$t0" 100 1 200)
mapfile -t b < <(seq_lines $((t0 + gap)) 30 1 500)
access "${l[@]}" "${b[@]}" >"$tmp/access.log"
dry "$tmp/gap.out" "$tmp/web.conf" "$tmp/access.log"
grep -q "FIRING   errors" "$tmp/gap.out" || fail "gap: the burst after three days did not fire"
grep -Eq "^  web .*out of time" "$tmp/gap.out" && fail "gap: taken for a wild line: $(grep '^  web' "$tmp/gap.out")"
access "${l[@]}" >"$tmp/access.log.1"
access "${b[@]}" >"$tmp/access.log"
dry "$tmp/rot.out" "$tmp/web.conf" "$tmp/access.log" "$tmp/access.log.1"
grep -q "FIRING   errors" "$tmp/rot.out" || fail "rotation gap: the burst did not fire"
grep -Eq "^  web .*out of time" "$tmp/rot.out" && fail "rotation gap: taken for a wild line"
# A single line after the gap, then the burst: the line is confirmed by
# the ones after it.
access "${l[@]}" "$((t0 + gap - 60)):200" "${b[@]}" >"$tmp/access.log"
dry "$tmp/gap1.out" "$tmp/web.conf" "$tmp/access.log"
grep -Eq "^  web .*out of time" "$tmp/gap1.out" && fail "gap with one line first: taken for a wild line"

# A sparse log, a line every 11 minutes: every line is a jump, and each is
# confirmed by the next.
mapfile -t l < <(seq_lines "$t0" 12 660 200)
mapfile -t b < <(seq_lines $((t0 + 12 * 660)) 30 1 500)
access "${l[@]}" "${b[@]}" >"$tmp/access.log"
dry "$tmp/sparse.out" "$tmp/web.conf" "$tmp/access.log"
grep -Eq "^  web .*out of time" "$tmp/sparse.out" && fail "sparse log: taken for wild lines: $(grep '^  web' "$tmp/sparse.out")"
grep -q "FIRING   errors" "$tmp/sparse.out" || fail "sparse log: the burst did not fire"

# 4. Clock changes: one error a second... every 10 s, in local time as
#    nginx writes it, across each change of the year; window 5m holds 30.
cat >"$tmp/err-rules.conf" <<'EOF'
steady: { sources = ["errs"]; value = "count()"; window = "5m";
  alert_if = ">= 20"; };
EOF
errlog() { # ZONE FROM_UTC HOURS
	/usr/bin/python3 - "$@" <<'PY'
import sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo
z = ZoneInfo(sys.argv[1]); t = int(sys.argv[2]); end = t + int(sys.argv[3]) * 3600
while t < end:
    loc = datetime.fromtimestamp(t, timezone.utc).astimezone(z)
    print(loc.strftime("%Y/%m/%d %H:%M:%S") +
          " [error] 7#7: *1 upstream timed out (110: Connection timed out), client: 203.0.113.9")
    t += 10
PY
}
# zone, first UTC instant (two hours before the change), label
while read -r zone from label; do
	cat >"$tmp/err.conf" <<EOF
inputs = { errs = { format = "nginx_error"; path = "error.log"; timezone = "$zone"; }; };
sinks = { console = { type = "console"; }; };
default_notify = ["console"];
state_dir = "/tmp/klaxon-time-test";
rules = ["err-rules.conf"];
EOF
	errlog "$zone" "$from" 4 >"$tmp/error.log"
	n=$(wc -l <"$tmp/error.log")
	dry "$tmp/dst.out" "$tmp/err.conf" "$tmp/error.log"
	[ "$rc" -eq 0 ] || fail "$label: exit $rc"
	grep -q "RESOLVED" "$tmp/dst.out" && fail "$label: a steady stream resolved: $(grep RESOLVED "$tmp/dst.out" | head -2)"
	grep -q "FIRING   steady" "$tmp/dst.out" || fail "$label: never fired"
	grep -q "were dropped" "$tmp/dst.out" && fail "$label: $(grep 'were dropped' "$tmp/dst.out")"
	grep -Eq "^  errs .* $n events, 0 failed to parse" "$tmp/dst.out" ||
		fail "$label: not all $n lines are events: $(grep '^  errs' "$tmp/dst.out")"
	grep -Eq "^  errs .*out of time" "$tmp/dst.out" && fail "$label: lines counted out of time"
done <<'EOF'
Europe/Berlin 1792879200 Berlin autumn
Europe/Berlin 1774738800 Berlin spring
Australia/Sydney 1775309400 Sydney autumn (April)
Australia/Sydney 1791036000 Sydney spring (October)
America/Santiago 1775349000 Santiago autumn (April)
America/Santiago 1788660000 Santiago spring (September)
EOF

# 5. A log_format with no time.
cat >"$tmp/nt.conf" <<'EOF'
inputs = { web = { format = "nginx_access"; path = "access.log";
  log_format = "$remote_addr \"$request\" $status"; }; };
sinks = { console = { type = "console"; }; };
default_notify = ["console"];
state_dir = "/tmp/klaxon-time-test";
rules = ["web-rules.conf"];
EOF
"$KLAXON" check -c "$tmp/nt.conf" >"$tmp/nt-check.out" 2>&1 || fail "no time: check failed"
grep -q "nt.conf:2: warning: .*no time" "$tmp/nt-check.out" ||
	fail "no time: check does not warn at the log_format's line: $(cat "$tmp/nt-check.out")"
for i in $(seq 1 50); do echo '203.0.113.9 "GET /x HTTP/1.1" 500'; done >"$tmp/access.log"
dry "$tmp/nt.out" "$tmp/nt.conf" "$tmp/access.log"
grep -Eq "^  web .* 50 events, 0 failed to parse, 50 without a time" "$tmp/nt.out" ||
	fail "no time: dry-run does not count them: $(grep '^  web' "$tmp/nt.out")"

# 6. An unknown $TZ is a time zone problem, named as such.
cat >"$tmp/tz.conf" <<'EOF'
inputs = { errs = { format = "nginx_error"; path = "error.log"; }; };
sinks = { console = { type = "console"; }; };
default_notify = ["console"];
state_dir = "/tmp/klaxon-time-test";
rules = [];
EOF
TZ=Nowhere/Land "$KLAXON" check -c "$tmp/tz.conf" >"$tmp/tz.out" 2>&1 && fail "TZ=Nowhere/Land: check passed"
grep -q "log_format" "$tmp/tz.out" && fail "TZ=Nowhere/Land: reported as a log_format: $(cat "$tmp/tz.out")"
grep -q 'tz.conf:1: .*unknown time zone "Nowhere/Land" (from \$TZ)' "$tmp/tz.out" ||
	fail "TZ=Nowhere/Land: not named: $(cat "$tmp/tz.out")"
TZ=Nowhere/Land "$KLAXON" parse --format nginx_error </dev/null >"$tmp/tzp.out" 2>&1
grep -q "log format" "$tmp/tzp.out" && fail "parse with TZ=Nowhere/Land: $(cat "$tmp/tzp.out")"

[ "$fails" -eq 0 ] || exit 1
echo "dry-run time: all checks passed"
