#!/bin/bash
# klaxon dry-run on the bundled example logs (packaging/examples):
#  - the JSON timeline equals the golden one, transition for transition;
#  - the same lines as one file, as rotated files (one gzipped, one a
#    multi-member gzip), and in shuffled argument order give the same
#    timeline; a second run gives identical output and writes nothing;
#  - --rule / --from / --to select; --plot writes an SVG with a panel per
#    rule that produced a value;
#  - bad input: a truncated .gz replays what precedes the damage, names
#    file and offset, exits 2; a missing file exits 2; a config error 1;
#    a wrong log_format shows in the summary with a sample line;
#  - a regex that keeps hitting its limit is quarantined and named.
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ex=$top/packaging/examples
golden=$here/dryrun/demo.expected.jsonl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

run() { # run OUT ARGS...: dry-run --json with the demo config, exit status in $rc
	local out=$1
	shift
	(cd "$tmp" && "$KLAXON" dry-run --json -c "$ex/klaxon.conf" "$@" >"$out" 2>"$out.err")
	rc=$?
}

# 1. The golden timeline.
run "$tmp/a.jsonl" "$ex"/logs/*
[ "$rc" -eq 0 ] || fail "dry-run exited $rc: $(cat "$tmp/a.jsonl.err")"
if ! diff -u "$golden" "$tmp/a.jsonl" >"$tmp/diff"; then
	fail "timeline differs from $golden:"
	head -40 "$tmp/diff"
fi
n=$(wc -l <"$tmp/a.jsonl")
[ "$n" -ge 10 ] || fail "only $n transitions"
/usr/bin/python3 - "$tmp/a.jsonl" <<'PY' || fail "JSON objects lack the contract's keys"
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    for k in ("at", "rule", "state", "group", "value", "summary"):
        assert k in o, (k, o)
    assert o["state"] in ("firing", "resolved"), o
    assert o["at"].endswith("Z") and len(o["at"]) == 20, o["at"]
PY

# 2. The same lines, cut and packed differently.
zcat -f "$ex/logs/access.log.1.gz" "$ex/logs/access.log" >"$tmp/all-access.log"
zcat -f "$ex/logs/gunicorn-access.log.1.gz" "$ex/logs/gunicorn-access.log" >"$tmp/app.log"
run "$tmp/one.jsonl" --input "api_access=$tmp/all-access.log" \
	--input "app_access=$tmp/app.log" "$ex/logs/error.log" "$ex/logs/gunicorn-error.log"
cmp -s "$tmp/a.jsonl" "$tmp/one.jsonl" || fail "one file per input gives another timeline"
mkdir -p "$tmp/rot"
total=$(wc -l <"$tmp/all-access.log")
third=$((total / 3))
head -n "$third" "$tmp/all-access.log" | gzip >"$tmp/rot/access.log.3.gz"
# The middle third as a two-member gzip, as `cat a.gz b.gz` makes it.
sed -n "$((third + 1)),$((2 * third))p" "$tmp/all-access.log" >"$tmp/mid"
half=$((third / 2))
{ head -n "$half" "$tmp/mid" | gzip; tail -n +"$((half + 1))" "$tmp/mid" | gzip; } >"$tmp/rot/access.log.2.gz"
tail -n +"$((2 * third + 1))" "$tmp/all-access.log" >"$tmp/rot/access.log.1"
cp "$ex/logs/error.log" "$ex/logs/gunicorn-error.log" "$tmp/rot/"
cp "$tmp/app.log" "$tmp/rot/gunicorn-access.log"
run "$tmp/rot.jsonl" "$tmp/rot/access.log.1" "$tmp/rot/access.log.3.gz" \
	"$tmp/rot/gunicorn-error.log" "$tmp/rot/access.log.2.gz" \
	"$tmp/rot/gunicorn-access.log" "$tmp/rot/error.log"
cmp -s "$tmp/a.jsonl" "$tmp/rot.jsonl" || fail "rotated/gzipped/shuffled files give another timeline"
mapfile -t shuffled < <(printf '%s\n' "$ex"/logs/* | sort -r)
run "$tmp/b.jsonl" "${shuffled[@]}"
cmp -s "$tmp/a.jsonl" "$tmp/b.jsonl" || fail "reversed argument order gives another timeline"
[ -e /tmp/klaxon-demo ] && fail "dry-run created its state_dir /tmp/klaxon-demo"

# 3. Selections.
run "$tmp/r.jsonl" --rule api_latency "$ex"/logs/*
grep -v '"rule":"api_latency"' "$tmp/r.jsonl" | grep -q . && fail "--rule let other rules through"
grep -q '"rule":"api_latency"' "$tmp/r.jsonl" || fail "--rule api_latency printed nothing"
run "$tmp/w.jsonl" --from 2026-11-20T11:00:00Z --to 2026-11-20T11:35:00Z "$ex"/logs/*
/usr/bin/python3 - "$tmp/w.jsonl" <<'PY' || fail "--from/--to window not honoured"
import json, sys
ats = [json.loads(l)["at"] for l in open(sys.argv[1])]
assert ats, "nothing in the window"
assert all("2026-11-20T11:00:00Z" <= a <= "2026-11-20T11:35:00Z" for a in ats), ats
PY
(cd "$tmp" && "$KLAXON" dry-run -c "$ex/klaxon.conf" --plot "$tmp/p.svg" "$ex"/logs/* >"$tmp/text.out" 2>&1) ||
	fail "text dry-run with --plot failed"
/usr/bin/python3 - "$tmp/p.svg" <<'PY' || fail "--plot did not write a chart with the rules"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
texts = "".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
for rule in ("api_latency", "server_error_ratio", "body_too_large"):
    assert rule in texts, rule
assert len(list(root.iter("{http://www.w3.org/2000/svg}path"))) >= 5
assert any(r.get("class") == "fire" for r in root.iter("{http://www.w3.org/2000/svg}rect"))
PY
grep -q "summary by rule" "$tmp/text.out" || fail "text output has no summary"
grep -q "api_latency .*fired 1 time," "$tmp/text.out" || fail "summary lacks api_latency's count"
grep -q "top: key-bravo" "$tmp/text.out" || fail "the latency alert does not name key-bravo"

# 4. Bad input.
head -c 40000 "$ex/logs/access.log.1.gz" >"$tmp/cut.log.gz"
(cd "$tmp" && "$KLAXON" dry-run -c "$ex/klaxon.conf" --input "api_access=$tmp/cut.log.gz" >"$tmp/cut.out" 2>&1)
rc=$?
[ "$rc" -eq 2 ] || fail "truncated .gz: exit $rc, want 2"
grep -q "cut.log.gz.*after [0-9]* compressed bytes" "$tmp/cut.out" || fail "truncated .gz: no message naming file and offset"
grep -Eq "api_access +1 file, [1-9][0-9]+ lines" "$tmp/cut.out" || fail "truncated .gz: lines before the damage not replayed"
(cd "$tmp" && "$KLAXON" dry-run -c "$ex/klaxon.conf" --input "api_access=$tmp/nonexistent.log" >"$tmp/miss.out" 2>&1)
rc=$?
[ "$rc" -eq 2 ] || fail "missing file: exit $rc, want 2"
printf 'inputs = { a = { format = "nginx_acess"; }; };\n' >"$tmp/bad.conf"
"$KLAXON" dry-run -c "$tmp/bad.conf" "$ex/logs/error.log" >"$tmp/bad.out" 2>&1
rc=$?
[ "$rc" -eq 1 ] || fail "config error: exit $rc, want 1"
grep -q "bad.conf:1:" "$tmp/bad.out" || fail "config error does not name file:line"
(cd "$tmp" && "$KLAXON" dry-run -c "$ex/klaxon.conf" --input "api_access=$ex/logs/gunicorn-access.log" >"$tmp/wrong.out" 2>&1) ||
	fail "wrong format: dry-run failed"
grep -Eq "api_access +1 file, [0-9]+ lines, 0 events, [1-9][0-9]* failed to parse" "$tmp/wrong.out" ||
	fail "wrong log_format not reported in the summary"
grep -q "first failure:" "$tmp/wrong.out" || fail "no sample of the failing lines"

# 5. A regex that keeps hitting its limit is quarantined and named; the
#    other rules go on.
cat >"$tmp/q.conf" <<'EOF'
inputs = { web = { format = "nginx_access"; path = "web.log";
  log_format = "$remote_addr [$time_local] \"$request\" $status"; }; };
sinks = { console = { type = "console"; }; };
default_notify = ["console"];
state_dir = "/tmp/klaxon-quarantine-test";
rules = ["q-rules.conf"];
EOF
cat >"$tmp/q-rules.conf" <<'EOF'
hostile: { sources = ["web"]; where = "path =~ '^/(a+)+$'";
  value = "count()"; window = "1m"; alert_if = ">= 1"; };
requests: { sources = ["web"]; where = "status == 200";
  value = "count()"; window = "1m"; alert_if = ">= 50"; };
EOF
for i in $(seq 0 149); do
	printf '203.0.113.7 [20/Nov/2026:10:%02d:%02d +0000] "GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaab HTTP/1.1" 200\n' \
	    $((i / 100)) $((i % 100 * 59 / 100))
done >"$tmp/web.log"
(cd "$tmp" && "$KLAXON" dry-run -c "$tmp/q.conf" "$tmp/web.log" >"$tmp/q.out" 2>&1) ||
	fail "quarantine: dry-run failed: $(tail -3 "$tmp/q.out")"
grep -Eq "^  hostile .*100 regex limit hits, QUARANTINED" "$tmp/q.out" ||
	fail "quarantine: the hostile rule is not reported: $(grep hostile "$tmp/q.out")"
grep -E "^  requests " "$tmp/q.out" | grep -q QUARANTINED &&
	fail "quarantine: a rule without a regex is reported quarantined"
grep -q "FIRING   requests" "$tmp/q.out" || fail "quarantine: the other rule stopped"

# 6. klaxon test sees what dry-run sees (issue 8): on the same lines, the
#    transitions dry-run prints become a test's expectations, which must
#    pass; three 500s in the last line's second fire in both, so a test
#    of those lines alone that expects nothing fails.
cat >"$tmp/t.conf" <<'EOF'
inputs = { web = { format = "nginx_access"; path = "web.log";
  log_format = "$remote_addr [$time_local] \"$request\" $status"; }; };
sinks = { console = { type = "console"; }; };
default_notify = ["console"];
state_dir = "/tmp/klaxon-test-vs-dryrun";
rules = ["t-rules.conf"];
EOF
cat >"$tmp/t-rules.conf" <<'EOF'
errors: { sources = ["web"]; where = "status >= 500";
  value = "count()"; window = "1m"; alert_if = ">= 3"; };
steady: { sources = ["web"]; value = "count()"; window = "20s";
  alert_if = ">= 20"; for = "10s"; };
EOF
{
	for i in $(seq 0 89); do
		printf '203.0.113.7 [20/Nov/2026:10:%02d:%02d +0000] "GET /a HTTP/1.1" 200\n' \
		    $((i / 60)) $((i % 60))
	done
	for i in 1 2 3; do
		printf '203.0.113.7 [20/Nov/2026:10:01:30 +0000] "GET /b HTTP/1.1" 502\n'
	done
} >"$tmp/t.log"
(cd "$tmp" && "$KLAXON" dry-run --json -c "$tmp/t.conf" --input "web=$tmp/t.log" \
    >"$tmp/t.jsonl" 2>"$tmp/t.err") || fail "test vs dry-run: dry-run failed: $(cat "$tmp/t.err")"
grep -q '"rule":"errors","state":"firing","group":{},"value":3' "$tmp/t.jsonl" ||
	fail "test vs dry-run: the last second's 500s do not fire: $(cat "$tmp/t.jsonl")"
/usr/bin/python3 - "$tmp" <<'PY' || fail "test vs dry-run: cannot write the test files"
import json, sys
d = sys.argv[1]
lines = [l.rstrip("\n") for l in open(d + "/t.log")]
got = [json.loads(l) for l in open(d + "/t.jsonl")]
def conf(expect):
    q = lambda s: json.dumps(s)
    ex = ",\n".join(
        "{ rule = %s; state = %s; at = %s; value = %r; }"
        % (q(o["rule"]), q(o["state"]), q(o["at"]), float(o["value"]))
        for o in expect)
    return ('config = "t.conf";\nrule_files = ["t-rules.conf"];\n'
            'tests = ( { name = "same lines"; lines = { web = [\n%s\n]; };\n'
            'expect = ( %s ); } );\n' % (",\n".join(q(l) for l in lines), ex))
open(d + "/same.test.conf", "w").write(conf(got))
# The last second alone: the three 502s.
lines = lines[-3:]
open(d + "/none.test.conf", "w").write(conf([]))
PY
(cd "$tmp" && "$KLAXON" test same.test.conf >"$tmp/same.out" 2>&1) ||
	fail "test vs dry-run: klaxon test disagrees with dry-run: $(cat "$tmp/same.out")"
(cd "$tmp" && "$KLAXON" test none.test.conf >"$tmp/none.out" 2>&1) &&
	fail "test vs dry-run: a test expecting nothing passes"

# 7. line_max is honoured (it was parsed, and every reader used 16 KiB):
#    a 2000-byte line with line_max = 256 is cut and counted.
cat >"$tmp/lm.conf" <<'EOF'
inputs = { web = { format = "nginx_access"; path = "web.log";
  log_format = "$remote_addr [$time_local] \"$request\" $status"; }; };
sinks = { console = { type = "console"; }; };
default_notify = ["console"];
state_dir = "/tmp/klaxon-line-max";
line_max = 256;
rules = ["q-rules.conf"];
EOF
{
	printf '203.0.113.7 [20/Nov/2026:10:00:00 +0000] "GET /a HTTP/1.1" 200\n'
	printf '203.0.113.7 [20/Nov/2026:10:00:01 +0000] "GET /%s HTTP/1.1" 200\n' \
	    "$(head -c 2000 /dev/zero | tr '\0' a)"
	printf '203.0.113.7 [20/Nov/2026:10:00:02 +0000] "GET /b HTTP/1.1" 200\n'
} >"$tmp/lm.log"
(cd "$tmp" && "$KLAXON" dry-run -c "$tmp/lm.conf" --input "web=$tmp/lm.log" \
    >"$tmp/lm.out" 2>&1) || fail "line_max: dry-run failed: $(tail -3 "$tmp/lm.out")"
grep -q "3 lines, 2 events, 1 failed to parse, 1 cut at the line cap" "$tmp/lm.out" ||
	fail "line_max: the long line is not cut at 256 bytes: $(grep -A1 'web ' "$tmp/lm.out")"

[ "$fails" -eq 0 ] || exit 1
echo "dry-run: all checks passed"
