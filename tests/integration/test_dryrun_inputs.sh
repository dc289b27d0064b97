#!/bin/bash
# klaxon dry-run's inputs lose no line (issue 8), on logs generated here:
#  - an input that can be read only once (a FIFO, a pipe on standard input
#    as /dev/stdin or "-", a process substitution /dev/fd/N, a gzip stream
#    through a pipe) is replayed whole, from its first line, and gives the
#    timeline of the same lines in a plain file; alone, and mixed with
#    ordinary files of the same input; "-" twice is refused;
#  - a .gz whose data is intact but whose trailer (CRC-32, length) is
#    wrong replays every line, then names file and offset, exits 2;
#  - --from later than --to is a usage error (exit 1); with --to, the
#    per-input counts describe what was replayed and are the same on
#    every run.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
cd "$tmp" || exit 1

cat >k.conf <<'EOF'
inputs = {
  web = { format = "nginx_access"; path = "web.log";
    log_format = "$remote_addr [$time_local] \"$request\" $status"; };
  api = { format = "nginx_access"; path = "api.log";
    log_format = "$remote_addr [$time_local] \"$request\" $status"; };
};
sinks = { console = { type = "console"; }; };
default_notify = ["console"];
state_dir = "/tmp/klaxon-inputs-test";
rules = ["r.conf"];
EOF
cat >r.conf <<'EOF'
web_errors: { sources = ["web"]; where = "status >= 500";
  value = "count()"; window = "1m"; alert_if = ">= 5"; };
api_errors: { sources = ["api"]; where = "status >= 500";
  value = "count()"; window = "1m"; alert_if = ">= 5"; };
EOF
# gen FILE LINES START_SECOND STEP_MS: one line per STEP_MS from 10:00:00
# + START_SECOND on 20 Nov 2026, a burst of 500s in every tenth minute.
gen() {
	/usr/bin/python3 - "$@" <<'PY'
import sys, time
path, n, start, step = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
t0 = 1795168800 + start  # 2026-11-20T10:00:00Z
with open(path, "w") as f:
    for i in range(n):
        ms = t0 * 1000 + i * step
        s = time.strftime("%d/%b/%Y:%H:%M:%S", time.gmtime(ms // 1000))
        status = 500 if (ms // 1000 // 60) % 10 == 3 and i % 3 == 0 else 200
        f.write('198.51.100.%d [%s +0000] "GET /p/%d HTTP/1.1" %d\n'
                % (i % 250, s, i, status))
PY
}
# dr OUT ARGS...: text dry-run, bounded (a hang is a failure), rc in $rc;
# a pipe on its standard input is given as "< <(cmd)", not "cmd |", so
# that dr runs in this shell and sets rc.
dr() {
	local out=$1
	shift
	timeout 120 "$KLAXON" dry-run -c k.conf "$@" >"$out" 2>&1
	rc=$?
}
# timeline OUT: the output without its summary (the alerts only).
timeline() { sed '/^summary by rule:/,$d' "$1"; }
# want_lines OUT INPUT N WHAT: the summary counts N lines and N events.
want_lines() {
	grep -Eq "^  $2 +1 files?, $3 lines, $3 events?, 0 failed to parse" "$1" ||
		fail "$4: want $3 lines and events: $(grep -E "^  $2 " "$1")"
}

gen web.log 600 0 1000
gen big.log 200000 0 20
dr plain.out --input web=web.log
[ "$rc" -eq 0 ] || fail "plain file: exit $rc: $(tail -3 plain.out)"
want_lines plain.out web 600 "plain file"
grep -q "FIRING   web_errors" plain.out || fail "plain file: no alert"
dr bigplain.out --input web=big.log
want_lines bigplain.out web 200000 "plain file, 200k lines"

# 1. Inputs that can be read only once.
mkfifo fifo
timeout 120 sh -c 'cat web.log >fifo' &
dr fifo.out --input web=fifo
[ "$rc" -eq 0 ] || fail "FIFO: exit $rc (124: it hung): $(tail -3 fifo.out)"
want_lines fifo.out web 600 "FIFO"
cmp -s <(timeline plain.out) <(timeline fifo.out) ||
	fail "FIFO: another timeline than the plain file"
wait

dr stdin.out --input web=/dev/stdin <web.log
want_lines stdin.out web 600 "/dev/stdin redirected from a file"
dr pipe.out --input web=/dev/stdin < <(cat web.log)
[ "$rc" -eq 0 ] || fail "/dev/stdin pipe: exit $rc: $(tail -3 pipe.out)"
want_lines pipe.out web 600 "/dev/stdin pipe"
cmp -s <(timeline plain.out) <(timeline pipe.out) ||
	fail "/dev/stdin pipe: another timeline than the plain file"
dr bigpipe.out --input web=/dev/stdin < <(cat big.log)
want_lines bigpipe.out web 200000 "/dev/stdin pipe, 200k lines"
cmp -s <(timeline bigplain.out) <(timeline bigpipe.out) ||
	fail "/dev/stdin pipe, 200k lines: another timeline"

dr dash.out --input web=- < <(cat web.log)
[ "$rc" -eq 0 ] || fail "--input web=-: exit $rc: $(tail -3 dash.out)"
want_lines dash.out web 600 "--input web=-"
dr dashfile.out --input web=- <web.log
[ "$rc" -eq 0 ] || fail "--input web=- from a file: exit $rc: $(tail -3 dashfile.out)"
want_lines dashfile.out web 600 "--input web=- redirected from a file"
dr dash2.out --input web=- --input api=- < <(cat web.log)
[ "$rc" -eq 1 ] || fail "standard input twice: exit $rc, want 1"
grep -q "standard input.*twice\|twice.*standard input" dash2.out ||
	fail "standard input twice: no message: $(cat dash2.out)"

dr procsub.out --input web=<(cat big.log)
[ "$rc" -eq 0 ] || fail "<(cat): exit $rc: $(tail -3 procsub.out)"
want_lines procsub.out web 200000 "process substitution"

dr gzpipe.out --input web=- < <(gzip -c big.log)
[ "$rc" -eq 0 ] || fail "gzip through a pipe: exit $rc: $(tail -3 gzpipe.out)"
want_lines gzpipe.out web 200000 "gzip stream through a pipe"
dr gzsub.out --input web=<(gzip -c web.log)
want_lines gzsub.out web 600 "gzip stream as /dev/fd/N"

# Mixed: the middle third through a pipe, between two ordinary files (one
# gzipped) given out of order; ordered by what each has shown.
head -n 200 web.log | gzip >old.log.2.gz
sed -n 201,400p web.log >mid.log
tail -n 200 web.log >new.log
dr mixed.out --input web=new.log --input web=<(cat mid.log) \
	--input web=old.log.2.gz
[ "$rc" -eq 0 ] || fail "mixed: exit $rc: $(tail -3 mixed.out)"
grep -Eq "^  web +3 files, 600 lines, 600 events, 0 failed" mixed.out ||
	fail "mixed: want 3 files, 600 lines: $(grep -E '^  web ' mixed.out)"
cmp -s <(timeline plain.out) <(timeline mixed.out) ||
	fail "mixed: another timeline than the whole file"
grep -q "out of time order" mixed.out && fail "mixed: files replayed out of order"

# 2. A .gz with intact data and a wrong trailer: every line, then the
#    damage with file and offset, exit 2. zcat gives all the lines too.
gzip -c web.log >crc.log.gz
size=$(stat -c %s crc.log.gz)
printf '\x00\x00\x00\x00' | dd of=crc.log.gz bs=1 seek=$((size - 8)) conv=notrunc 2>/dev/null
gzip -c web.log >len.log.gz
printf '\x01\x00\x00\x00' | dd of=len.log.gz bs=1 seek=$((size - 4)) conv=notrunc 2>/dev/null
for f in crc len; do
	[ "$(zcat "$f.log.gz" 2>/dev/null | wc -l)" -eq 600 ] || fail "$f: zcat does not give 600 lines"
	dr "$f.out" --input "web=$f.log.gz"
	[ "$rc" -eq 2 ] || fail "$f trailer: exit $rc, want 2"
	want_lines "$f.out" web 600 "$f trailer"
	grep -q "$f.log.gz.*trailer.*after $((size - 8)) compressed bytes" "$f.out" ||
		fail "$f trailer: no message naming file, damage and offset: $(grep -v '^ ' "$f.out" | head -3)"
done

# 3. --from/--to.
dr range.out --from 2026-11-20T10:05:00Z --to 2026-11-20T10:01:00Z web.log
[ "$rc" -eq 1 ] || fail "--from after --to: exit $rc, want 1"
grep -q -- "--from.*later than --to\|--from.*after --to" range.out ||
	fail "--from after --to: no message: $(cat range.out)"
gen api.log 100000 1 30
# The counts of a replay cut by --to are those of the lines replayed, the
# same on every run, whatever the reader threads had read ahead.
for i in 1 2 3 4 5; do
	timeout 120 "$KLAXON" dry-run -c k.conf --to 2026-11-20T10:20:00Z \
	    --input web=big.log api.log >"to$i.out" 2>&1
	sed -n '/^summary by input:/,$p' "to$i.out" >"to$i.sum"
done
for i in 2 3 4 5; do
	cmp -s to1.sum "to$i.sum" || { fail "--to: run $i gives other counts:"; diff to1.sum "to$i.sum"; break; }
done
# 10:00:00 to 10:20:00 inclusive: every 20 ms (web), every 30 ms from
# 10:00:01 (api).
want_lines to1.out web 60050 "--to, web"
want_lines to1.out api 40000 "--to, api"
dr from.out --from 2026-11-20T10:10:00Z --to 2026-11-20T10:20:00Z --input web=big.log
grep -Eq "^  web +1 files?, 60050 lines, 30050 events, 0 failed to parse, 30000 before --from" from.out ||
	fail "--from/--to: counts: $(grep -E '^  web ' from.out)"

# Time that jumps: a wild line (placed at the line before it) is replayed
# inside the range; a real jump past --to, its line the last of a batch
# kept back for the verdict, ends the input there.
{ head -n 300 web.log
  echo '198.51.100.1 [20/Nov/9999:10:05:00 +0000] "GET /wild HTTP/1.1" 200'
  tail -n 300 web.log; } >wild.log
dr wild.out --to 2026-11-20T10:08:00Z --input web=wild.log
grep -Eq "^  web +1 files?, 482 lines, 482 events, 0 failed to parse, 1 out of time" wild.out ||
	fail "--to, a wild line: $(grep -E '^  web ' wild.out)"
{ head -n 511 web.log; tail -n +512 web.log | sed 's/2026:10:/2026:13:/'; } >jump.log
dr jump.out --to 2026-11-20T12:00:00Z --input web=jump.log
want_lines jump.out web 511 "--to before a jump at a batch's end"
dr jumpf.out --from 2026-11-20T12:00:00Z --input web=jump.log
grep -Eq "^  web +1 files?, 600 lines, 89 events, 0 failed to parse, 511 before --from" jumpf.out ||
	fail "--from after a jump: $(grep -E '^  web ' jumpf.out)"

# A multi-line format: a record past --to takes its lines out of the
# count, not those of the traceback before it.
cat >ge.conf <<'EOF'
inputs = { app = { format = "gunicorn_error"; path = "app.log"; }; };
sinks = { console = { type = "console"; }; };
default_notify = ["console"];
state_dir = "/tmp/klaxon-inputs-test";
rules = ["ge-rules.conf"];
EOF
cat >ge-rules.conf <<'EOF'
errs: { sources = ["app"]; where = "level == 'ERROR'";
  value = "count()"; window = "1m"; alert_if = ">= 100"; };
EOF
for s in 1 3; do
	printf '[2026-11-20 10:00:0%d +0000] [1] [ERROR] Exception in worker\n' "$s"
	printf 'Traceback (most recent call last):\n  File "x.py", line 1, in <module>\nValueError: boom\n'
	printf '[2026-11-20 10:00:0%d +0000] [1] [INFO] Booting worker with pid: %d\n' $((s + 1)) "$s"
done >app.log
for w in "10:00:01 4 1" "10:00:02 5 2" "10:00:03 9 3" "10:00:04 10 4"; do
	set -- $w
	timeout 60 "$KLAXON" dry-run -c ge.conf --to "2026-11-20T$1Z" app.log >ge.out 2>&1
	grep -Eq "^  app +1 files?, $2 lines, $3 events?, 0 failed" ge.out ||
		fail "--to $1, tracebacks: want $2 lines, $3 events: $(grep -E '^  app ' ge.out)"
done

[ "$fails" -eq 0 ] || exit 1
echo "dry-run inputs: all checks passed"
